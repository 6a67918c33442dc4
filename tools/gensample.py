#!/usr/bin/python3
"""gensample.py: write the synthetic sample code sets under DIR.

Usage: gensample.py [DIR]      (default data/sample; `make sample` runs it)

Every code and descriptor written here is invented for demos and tests.
The files only have the *shape* of the real sources (docs/formats.md
sections 8, 12): nothing is copied from the CMS files, and nothing may ever be
copied from AMA CPT files, whose descriptors are copyrighted.

Output is deterministic (no clock, no random module, sorted data), so
tests/test_sample.sh can regenerate it and compare byte for byte with the
committed copy.

    hcpcs_sample_2025_ANWEB.txt  CMS fixed-width (cms-anweb), cp1252, CRLF:
                                 the Level II release of 2025-01-01
    hcpcs_sample_2026_ANWEB.txt  its release of 2026-01-01 (RELEASE_2026:
                                 a code terminated, one added, one
                                 descriptor reworded)
    cpt/LONGULT.txt              code TAB long descriptor, cp1252, CRLF
    cpt/SHORTU.txt               code, blank, short descriptor (<= 28)
    cpt/MEDU.txt                 code, blank, medium descriptor (<= 48)
    local.csv                    delimited local set, UTF-8, CRLF
"""

import datetime
import os
import sys

CRLF = b"\r\n"

# --------------------------------------------------------------------------
# CMS-shaped ANWEB file
# --------------------------------------------------------------------------

# Per letter: code numbers, descriptor bases (long, short) and qualifiers
# (long, short), pricing indicator, BETOS, TOS, coverage.  A code's
# descriptor is base[i % n] + ", " + qualifier[(i * 3 + letter) % m].
LETTERS = {
    "A": dict(
        codes=[21, 90, 130, 426, 888, 4206, 4212, 4245, 4310, 4335, 4402, 4461,
               4521, 4608, 5051, 5120, 6021, 6196, 6250, 7003, 8000,
               9150, 9270],
        bases=[("Ambulance service, sample ground transport",
                "Amb sample ground"),
               ("Surgical supply, synthetic gauze pad", "Synth gauze pad"),
               ("Urinary catheter kit, sample silicone",
                "Sample cath kit"),
               ("Ostomy pouch, synthetic drainable", "Synth ostomy pouch"),
               ("Adhesive tape, sample hypoallergenic",
                "Sample adhesive tape")],
        quals=[("per trip", "trip"), ("each", "ea"),
               ("per 18 square inches", "18 sq in"),
               ("box of 10", "box10"), ("pediatric size", "ped"),
               ("with sample filter", "w filt")],
        price="32", betos="D1A", tos="9", cov="C"),
    "B": dict(
        codes=[4034, 4081, 4100, 4149, 4150, 4160, 4185, 4220, 4224, 5000,
               5100, 9002, 9998],
        bases=[("Enteral formula, synthetic blend with fiber",
                "Synth enteral fiber"),
               ("Parenteral nutrition solution, sample amino mix",
                "Sample PN amino mix"),
               ("Enteral feeding supply kit, sample pump fed",
                "Sample enteral pump kit")],
        quals=[("100 calories equal 1 unit", "100 cal"),
               ("per day", "per day"), ("per 500 ml", "500 ml")],
        price="39", betos="O1C", tos="9", cov="D"),
    "C": dict(
        codes=[1713, 1721, 1750, 1769, 1776, 1830, 1889, 2617, 8900, 8957,
               9113, 9399, 9600, 9751, 9803],
        bases=[("Anchor or screw for sample bone fixation device",
                "Sample bone anchor"),
               ("Catheter, synthetic drainage type",
                "Synth drainage cath"),
               ("Hospital outpatient sample imaging service",
                "Sample OPPS imaging"),
               ("Implantable sample neurostimulator lead",
                "Sample neurostim lead")],
        quals=[("each", "ea"), ("per unit", "unit"),
               ("with sample contrast", "w contr"),
               ("without sample contrast", "wo contr")],
        price="57", betos="D1A", tos="1", cov="D"),
    "E": dict(
        codes=[100, 114, 143, 165, 250, 260, 301, 424, 601, 630, 950, 973,
               1002, 1031, 1161, 1399, 2201, 2311, 2402, 2611, 8000],
        bases=[("Wheelchair accessory, synthetic armrest pad",
                "Wc synth armrest pad"),
               ("Hospital bed, sample semi-electric frame",
                "Sample semi-elec bed"),
               ("Wheelchair, sample lightweight folding frame",
                "Sample lt wt wheelchair"),
               ("Walker, synthetic folding frame", "Synth folding walker"),
               ("Power wheelchair accessory, sample seating tilt module",
                "Pwc sample tilt module")],
        quals=[("each", "ea"), ("with mattress", "w mattr"),
               ("adjustable height", "adj ht"),
               ("pediatric size", "ped"), ("heavy duty", "hd"),
               ("replacement only", "replace")],
        price="36", betos="D1D", tos="R", cov="D"),
    "G": dict(
        codes=[8, 101, 121, 402, 438, 442, 463, 501, 2010, 2012, 2211,
               3001, 6001, 6017, 8427, 9001, 9050, 9361, 9500, 9987],
        bases=[("Professional service, synthetic care coordination",
                "Synth care coord"),
               ("Screening visit, sample preventive counseling",
                "Sample prev counseling"),
               ("Remote evaluation of sample recorded images",
                "Sample remote image eval"),
               ("Quality measure reporting, sample outcome documented",
                "Sample quality measure")],
        quals=[("each 15 minutes", "ea 15 min"),
               ("first 30 minutes", "1st 30 min"),
               ("per calendar month", "per month"),
               ("face to face", "f2f")],
        price="11", betos="M5D", tos="1", cov="C"),
    "J": dict(
        codes=[120, 129, 171, 585, 696, 1100, 1200, 1642, 1885, 2001, 2405,
               2920, 3301, 3490, 7050, 7120, 9035, 9045, 9999],
        bases=[("Injection, examplumab", "Examplumab inj"),
               ("Injection, fictivir sodium", "Fictivir sod inj"),
               ("Infusion, placebozole", "Placebozole infusion"),
               ("Injection, mockicillin", "Mockicillin inj"),
               ("Injection, samplestatin acetate", "Samplestatin inj")],
        quals=[("1 mg", "1 mg"), ("10 mg", "10 mg"), ("50 mg", "50 mg"),
               ("per 250 ml", "250 ml"), ("100 units", "100 u")],
        price="51", betos="O1E", tos="1", cov="D"),
    "K": dict(
        codes=[1, 4, 10, 38, 108, 195, 462, 553, 606, 743, 800, 901, 1005,
               1010],
        bases=[("Temporary DME item, sample wheelchair cushion",
                "Tmp sample wc cushion"),
               ("Temporary supply, synthetic glucose monitor strip",
                "Tmp synth gluc strip"),
               ("Temporary code, sample loaner device",
                "Tmp sample loaner")],
        quals=[("each", "ea"), ("per month", "per mo"),
               ("replacement", "repl")],
        price="46", betos="D1E", tos="P", cov="C"),
    "L": dict(
        codes=[112, 621, 1810, 1906, 2112, 3000, 3260, 3908, 4361, 5010,
               5301, 5856, 6000, 7510, 8000, 8400, 8499, 9900],
        bases=[("Orthosis, synthetic ankle foot", "Synth ankle orthosis"),
               ("Prosthesis, sample below knee socket",
                "Sample bk prosth socket"),
               ("Orthosis, sample lumbar sacral support",
                "Sample lso support"),
               ("Prosthetic addition, synthetic liner",
                "Synth prosth liner")],
        quals=[("prefabricated", "prefab"), ("custom fabricated", "custom"),
               ("off the shelf", "ots"), ("each", "ea")],
        price="38", betos="D1F", tos="P", cov="D"),
    "Q": dict(
        codes=[35, 144, 477, 2004, 2035, 3014, 4001, 4100, 4186, 5101,
               5122, 9950, 9967, 9980],
        bases=[("Skin substitute, synthetic matrix examplederm",
                "Examplederm skin sub"),
               ("Cast supplies, sample fiberglass", "Sample fiberglass cast"),
               ("Contrast agent, sample low osmolar",
                "Sample low osm contrast")],
        quals=[("per square centimeter", "per sq cm"),
               ("adult", "adult"), ("per ml", "per ml")],
        price="57", betos="O1E", tos="1", cov="C"),
    "S": dict(
        codes=[12, 91, 190, 260, 630, 2053, 3005, 5000, 5001, 8030, 9088,
               9141, 9484, 9999],
        bases=[("Private payer service, sample home infusion",
                "Sample home infusion"),
               ("Sample nursing care visit in the home",
                "Sample home nursing"),
               ("Synthetic wellness program session",
                "Synth wellness session")],
        quals=[("per diem", "per diem"), ("per hour", "per hr"),
               ("per session", "per sess")],
        price="00", betos="Z2", tos="1", cov="I"),
    "V": dict(
        codes=[2020, 2100, 2203, 2520, 2600, 2744, 2790, 5010, 5030, 5120,
               5242, 5299, 5336, 5364],
        bases=[("Spectacle lens, synthetic single vision",
                "Synth sv lens"),
               ("Contact lens, sample hydrophilic", "Sample contact lens"),
               ("Hearing aid, sample behind the ear",
                "Sample bte hearing aid"),
               ("Speech generating device, sample synthesized voice",
                "Sample speech device")],
        quals=[("per lens", "per lens"), ("monaural", "mono"),
               ("binaural", "bin"), ("each", "ea")],
        price="38", betos="D1F", tos="Q", cov="D"),
}

# Tails that push a long descriptor past 80 columns (RIC 4 lines).
TAILS = [
    ", includes all sample components, fittings and accessories needed for "
    "the intended use as described in this synthetic record",
    ", reported once per episode of sample care regardless of the number "
    "of synthetic items furnished",
]

# The one record long enough for several continuation lines.
LONG_G = (
    "Comprehensive synthetic care management service for a sample "
    "beneficiary with two or more invented chronic conditions, including "
    "a documented sample care plan, medication reconciliation against the "
    "synthetic record, coordination with sample community resources and "
    "at least one invented follow-up contact, first 60 minutes of sample "
    "clinical staff time per calendar month")

# (code, long, short, coverage, added, terminated or None)
MODIFIERS = [
    ("A1", "Dressing for one wound, sample modifier", "Sample dressing 1 wnd",
     "", 20020101, None),
    ("F1", "Left hand, second digit, sample modifier", "Sample lt hand dig 2",
     "", 19950101, None),
    ("GA", "Sample waiver of liability statement issued as required by "
     "synthetic payer policy, individual case", "Sample liab waiver",
     "", 20020701, None),
    ("GY", "Item or service excluded by statute in this synthetic sample",
     "Sample statutory excl", "", 20020101, None),
    ("KX", "Sample requirements in the synthetic medical policy have been "
     "met", "Sample policy reqs met", "", 20050101, None),
    ("LT", "Left side of the body, as used in this synthetic sample",
     "Sample left side", "", 19950101, None),
    ("P1", "A normal healthy patient, sample physical status",
     "Sample phys status 1", "", 19960101, None),
    ("P2", "A patient with mild systemic disease, sample physical status",
     "Sample phys status 2", "", 19960101, None),
    ("Q5", "Service furnished by a substitute clinician under a synthetic "
     "reciprocal billing arrangement", "Sample substitute svc", "",
     19980101, None),
    ("QW", "Sample waived laboratory test, synthetic certificate",
     "Sample waived test", "", 19970101, None),
    ("RT", "Right side of the body, as used in this synthetic sample",
     "Sample right side", "", 19950101, None),
    ("TC", "Technical component only, sample modifier",
     "Sample tech component", "", 19950101, None),
    ("XE", "Separate encounter, a synthetic service that is distinct because "
     "it occurred during a separate sample encounter",
     "Sample separate encounter", "", 20150101, None),
    ("XS", "Separate structure, a synthetic service that is distinct because "
     "it was performed on a separate sample organ or structure",
     "Sample separate structure", "", 20150101, None),
    ("ZA", "Sample biosimilar manufacturer modifier, retired",
     "Sample biosimilar mfr", "", 20150101, 20180331),
]


def day_after(yyyymmdd):
    d = datetime.date(yyyymmdd // 10000, yyyymmdd // 100 % 100,
                      yyyymmdd % 100)
    d += datetime.timedelta(days=1)
    return d.year * 10000 + d.month * 100 + d.day


def pieces(text):
    """Cut text into <= 80-column pieces at blanks; joined with one
    blank they give text back (the loader's join rule)."""
    out, cur = [], ""
    for word in text.split(" "):
        if cur and len(cur) + 1 + len(word) > 80:
            out.append(cur)
            cur = word
        else:
            cur = word if not cur else cur + " " + word
    out.append(cur)
    return out


def put(line, col, value, width):
    """Write value left-justified into 1-based col of a list line."""
    value = value[:width]
    line[col - 1:col - 1 + len(value)] = list(value)


def date8(v):
    return "%08d" % v if v else ""


def anweb_lines(key, rec, nline):
    """The physical lines of one record: key is 5 columns wide."""
    modifier = key.startswith("   ")
    parts = pieces(rec["long"])
    lines = []
    for i, piece in enumerate(parts):
        line = [" "] * 320
        put(line, 1, key, 5)
        put(line, 6, "%05d" % (100 * (i + 1)), 5)
        if i == 0:
            put(line, 11, "7" if modifier else "3", 1)
        else:
            put(line, 11, "8" if modifier else "4", 1)
        put(line, 12, piece, 80)
        if i == 0:
            put(line, 92, rec["short"], 28)
            for k, p in enumerate(rec.get("pricing", [])):
                put(line, 120 + 2 * k, p, 2)
            put(line, 128, rec.get("mult", ""), 1)
            for k, v in enumerate(rec.get("cim", [])):
                put(line, 129 + 6 * k, v, 6)
            for k, v in enumerate(rec.get("mcm", [])):
                put(line, 147 + 8 * k, v, 8)
            for k, v in enumerate(rec.get("labcert", [])):
                put(line, 181 + 3 * k, v, 3)
            for k, v in enumerate(rec.get("xref", [])):
                put(line, 205 + 5 * k, v, 5)
            put(line, 230, rec.get("cov", ""), 1)
            put(line, 231, rec.get("asc_grp", ""), 2)
            put(line, 233, date8(rec.get("asc_dt", 0)), 8)
            put(line, 253, rec.get("procnote", ""), 4)
            put(line, 257, rec.get("betos", ""), 3)
            for k, v in enumerate(rec.get("tos", [])):
                put(line, 261 + k, v, 1)
            if not modifier:
                put(line, 266, "%3d" % 0, 3)
            put(line, 269, date8(rec["added"]), 8)
            put(line, 277, date8(rec["effective"]), 8)
            put(line, 285, date8(rec.get("terminated", 0)), 8)
            put(line, 293, rec["action"], 1)
            text = "".join(line)
        else:
            # Continuations: cut to 91 columns (2017/2020 files) or
            # padded to 320 (2018/2019), alternately.
            text = "".join(line)
            text = text[:91] if nline % 2 == 0 else text
        lines.append(text)
    return lines


def anweb_records(year):
    """[(key, rec)] of the release of YEAR, modifiers first then
    procedures ascending."""
    recs = []
    for code, lng, short, cov, added, term in MODIFIERS:
        rec = dict(long=lng, short=short, cov=cov, added=added,
                   effective=added, action="N")
        if term:
            rec.update(terminated=term, effective=day_after(term),
                       action="D")
        recs.append(("   " + code, rec))

    n = 0
    for li, letter in enumerate(sorted(LETTERS)):
        spec = LETTERS[letter]
        for i, num in enumerate(spec["codes"]):
            code = "%s%04d" % (letter, num)
            blong, bshort = spec["bases"][i % len(spec["bases"])]
            qlong, qshort = spec["quals"][(i * 3 + li) % len(spec["quals"])]
            lng = blong + ", " + qlong
            short = (bshort + " " + qshort)[:28]
            if i % 4 == 3:
                lng += TAILS[(i // 4) % len(TAILS)]
            if code == "G0501":
                lng, short = LONG_G, "Sample chronic care mgmt"
            added = 19850101 + 10000 * ((i * 7 + li * 3) % 35)
            rec = dict(long=lng, short=short,
                       pricing=[spec["price"]],
                       mult="9" if spec["price"] == "00" else "A",
                       cov=spec["cov"], betos=spec["betos"],
                       tos=[spec["tos"]], added=added,
                       effective=added, action="N")
            if letter == "E" and i % 3 == 0:
                rec["tos"] = ["P", "R"]
                rec["pricing"] = ["36", "32"]
                rec["cim"] = ["60-9"]
                rec["mcm"] = ["2100.1"]
            if letter == "C" and i % 2 == 0:
                rec["asc_grp"] = "YY"
                rec["asc_dt"] = added if added >= 20080101 else 20080101
            if letter == "G" and i == 2:
                rec["labcert"] = ["310", "400"]
            if letter == "A" and i == 0:
                rec["tos"] = ["D"]
                rec["betos"] = "O1A"
                rec["pricing"] = ["52"]
                rec["procnote"] = "0021"
            if i % 5 == 4:
                rec["effective"] = 0      # blank ACT EFF DT happens
            if added >= 20180101:
                rec["action"] = "A"
            # A few terminated codes, ACT EFF DT = TERM DT + 1 day.
            if n % 31 == 7:
                term = 20171231 if n % 2 else 20190630
                rec.update(terminated=term, effective=day_after(term),
                           action="D")
                rec["xref"] = ["%s%04d" % (letter,
                                           spec["codes"][(i + 1) %
                                                         len(spec["codes"])])]
            recs.append((code, rec))
            n += 1
    # Outside the loop, so that what the loop derives from each code's
    # position (descriptors, dates, which codes are terminated) stays
    # what it was before the sample had two releases.
    recs.append(("G0503", dict(RELEASE_CODE)))
    if year == 2026:
        recs = release_2026(recs)
    recs.sort(key=lambda kr: kr[0])   # modifiers' keys start with blanks
    return recs


# A code of both releases, terminated in the second one (README's tour).
RELEASE_CODE = dict(
    long="Remote sample monitoring of synthetic physiologic data, "
    "initial device setup", short="Sample remote monitor setup",
    pricing=["11"], mult="A", cov="C", betos="M5D", tos=["1"],
    added=20200101, effective=20200101, action="N")

# What the 2026-01-01 release changes, as a CMS January file would:
# G0503 ends on 2025-12-31 and points at its successor G0504, new that
# day; E0143's long descriptor is reworded (action C).
RELEASE_2026 = dict(
    terminated=("G0503", 20251231, "G0504"),
    added=("G0504", dict(
        long="Remote sample monitoring of synthetic physiologic data, "
        "device setup and patient education",
        short="Sample rem monitor set/edu",
        pricing=["11"], mult="A", cov="C", betos="M5D", tos=["1"],
        added=20260101, effective=20260101, action="A")),
    changed=("E0143", "Wheelchair, sample lightweight folding frame, "
             "pediatric size, with swing-away footrests"),
)


def release_2026(recs):
    code, term, xref = RELEASE_2026["terminated"]
    new, newrec = RELEASE_2026["added"]
    chg, chglong = RELEASE_2026["changed"]
    out = []
    for key, rec in recs:
        rec = dict(rec)
        if key == code:
            rec.update(terminated=term, effective=day_after(term),
                       action="D", xref=[xref])
        elif key == chg:
            rec.update(long=chglong, effective=20260101, action="C")
        out.append((key, rec))
    out.append((new, dict(newrec)))
    return out


def write_anweb(path, year):
    out = []
    # A disclaimer header like the 2018-2020 files: tabs, a cp1252
    # right single quote (0x92), a blank line.
    out.append(b"***Disclaimers\t\t\t\t")
    out.append("Synthetic sample file written by tools/gensample.py: the "
               "codes\u2019 descriptors are invented, not CMS text.\t\t"
               .encode("cp1252"))
    out.append(b"")
    nline = 0
    for key, rec in anweb_records(year):
        for line in anweb_lines(key, rec, nline):
            out.append(line.encode("cp1252"))
        nline += 1
    with open(path, "wb") as f:
        f.write(CRLF.join(out) + CRLF)


# --------------------------------------------------------------------------
# CPT-shaped files (invented descriptors only)
# --------------------------------------------------------------------------

SECTIONS = [
    ("anesthesia", "ANES", [100, 102, 160, 300, 400, 520, 790, 1200, 1400,
                            1996]),
    ("surgery", "SURG", [10021, 10060, 11042, 12001, 20610, 27447, 33533,
                         43239, 47562, 66984]),
    ("radiology", "RAD", [70010, 70450, 71046, 72148, 73721, 74177, 76700,
                          77067, 78452, 79005]),
    ("pathology and laboratory", "PATH", [80048, 80053, 81001, 82947,
                                          83036, 84443, 85025, 86580,
                                          87086, 88305]),
    ("medicine", "MED", [90471, 90686, 92012, 93000, 93306, 94010, 95810,
                         96372, 97110, 99100]),
    ("evaluation and management", "E/M", [99202, 99203, 99211, 99213,
                                          99214, 99221, 99232, 99283,
                                          99291, 99499]),
]

OTHER_CPT = [
    # (code, long, short, medium or None)
    ("0001F", "Synthetic performance measure 0001F (Category II sample)",
     "SYNTH PERF MEASURE 0001F", None),
    ("1000F", "Synthetic performance measure 1000F (Category II sample)",
     "SYNTH PERF MEASURE 1000F", None),
    ("3074F", "Synthetic performance measure 3074F (Category II sample), "
     "invented result range", "SYNTH PERF MEASURE 3074F", None),
    ("4004F", "Synthetic performance measure 4004F (Category II sample)",
     "SYNTH PERF MEASURE 4004F", None),
    ("0042T", "Synthetic emerging technology service 0042T (Category III "
     "sample)", "SYNTH EMERGING TECH 0042T",
     "SYNTHETIC EMERGING TECHNOLOGY SERVICE 0042T"),
    ("0100T", "Synthetic emerging technology service 0100T (Category III "
     "sample)", "SYNTH EMERGING TECH 0100T",
     "SYNTHETIC EMERGING TECHNOLOGY SERVICE 0100T"),
    ("0200T", "Synthetic emerging technology service 0200T (Category III "
     "sample)", "SYNTH EMERGING TECH 0200T",
     "SYNTHETIC EMERGING TECHNOLOGY SERVICE 0200T"),
    ("0500T", "Synthetic emerging technology service 0500T (Category III "
     "sample) \u2014 each additional invented unit", "SYNTH EMERGING TECH "
     "0500T", "SYNTHETIC EMERGING TECHNOLOGY SERVICE 0500T"),
    ("0001U", "Synthetic proprietary laboratory analysis 0001U (PLA "
     "sample), invented assay of 10 sample markers", "SYNTH PLA ASSAY 0001U",
     "SYNTHETIC PROPRIETARY LAB ANALYSIS 0001U"),
    ("0002U", "Synthetic proprietary laboratory analysis 0002U (PLA "
     "sample)", "SYNTH PLA ASSAY 0002U",
     "SYNTHETIC PROPRIETARY LAB ANALYSIS 0002U"),
    ("0600U", "Synthetic proprietary laboratory analysis 0600U (PLA "
     "sample)", "SYNTH PLA ASSAY 0600U",
     "SYNTHETIC PROPRIETARY LAB ANALYSIS 0600U"),
    ("0613U", "Synthetic proprietary laboratory analysis 0613U (PLA "
     "sample)", "SYNTH PLA ASSAY 0613U",
     "SYNTHETIC PROPRIETARY LAB ANALYSIS 0613U"),
]

CPT_PREAMBLE = [
    "Synthetic CPT-shaped sample data, written by tools/gensample.py.",
    "None of these codes' descriptors is AMA CPT content: every descriptor",
    "is invented.  Licensed CPT data files begin with a copyright notice",
    "such as this one; a loader skips everything up to the last blank line.",
    "",
    "Sample data for hcpcsd demos and tests.  No rights reserved.",
    "",
    "",
]


def cpt_records():
    recs = []
    for sect, abbr, nums in SECTIONS:
        for i, num in enumerate(nums):
            code = "%05d" % num
            lng = "Synthetic procedure %s (%s section sample)" % (code, sect)
            if i % 4 == 1:
                lng += " \u2014 each additional sample unit"
            elif i % 4 == 2:
                lng += ", with invented imaging guidance"
            short = "SYNTH %s PROC %s" % (abbr, code)
            medium = "SYNTHETIC %s PROC %s" % (sect.upper(), code)
            recs.append((code, lng, short[:28], medium))
    for code, lng, short, medium in OTHER_CPT:
        recs.append((code, lng, short[:28], medium))
    recs.sort()
    return recs


def write_cpt(dirpath):
    recs = cpt_records()
    pre = [s.encode("cp1252") for s in CPT_PREAMBLE]
    # LONGULT: cp1252 like the AMA's writers, with one stray blank line
    # at EOF (trailing blank lines are not the preamble's end).
    lines = pre + [("%s\t%s" % (c, l)).encode("cp1252")
                   for c, l, _, _ in recs] + [b""]
    with open(os.path.join(dirpath, "LONGULT.txt"), "wb") as f:
        f.write(CRLF.join(lines) + CRLF)
    lines = pre + [("%s %s" % (c, s)).encode("ascii")
                   for c, _, s, _ in recs]
    with open(os.path.join(dirpath, "SHORTU.txt"), "wb") as f:
        f.write(CRLF.join(lines) + CRLF)
    lines = pre + [("%s %s" % (c, m)).encode("ascii")
                   for c, _, _, m in recs if m is not None]
    with open(os.path.join(dirpath, "MEDU.txt"), "wb") as f:
        f.write(CRLF.join(lines) + CRLF)


# --------------------------------------------------------------------------
# Delimited local set (Level III-shaped W codes)
# --------------------------------------------------------------------------

LOCAL_HEADER = ["HCPC", "SHORT DESCRIPTION", "LONG DESCRIPTION", "ADD DT",
                "TERM DT", "TOS1", "TOS2", "BETOS", "NOTES"]

LOCAL_ROWS = [
    ["W1000", "Home visit, sample", "Home visit, sample state program, "
     "per diem", "2001-01-01", "", "1", "", "Z1", "demo row"],
    ["W1001", "Van transport, sample", 'Transport, "sample" wheelchair van, '
     "per trip", "20010101", "", "D", "9", "Z1", ""],
    ["W1002", "Respite care, sample", "Respite care in the home, sample "
     "program, per 15 minutes", "2002-07-01", "", "1", "", "Z1",
     "note spans\r\ntwo lines"],
    ["W1003", "Case management, sample", "Case management, synthetic "
     "waiver program, per month", "20020701", "2003-12-31", "1", "", "Z1",
     "terminated"],
    ["W1004", "Meal delivery, sample", "Home delivered meal, sample "
     "program, per meal", "2003-01-01", "", "9", "", "Z1", ""],
    ["W1005", "Clinic visit \u2014 sample", "Local clinic visit \u2014 "
     "sample sliding fee scale", "20030101", "", "1", "3", "Z1", ""],
    ["W1006", "Dental screen, sample", "Screening, sample school "
     'program, "brief", each', "2003-01-01", "", "1", "", "Z1", ""],
    ["W1007", "Interpreter, sample", "Interpreter service, sample, "
     "per 15 minutes", "20030101", "", "9", "", "Z1", ""],
    ["W1008", "Supply kit, sample", "Supply kit, sample, "
     "each", "2003-07-01", "", "9", "P", "Z1", ""],
    ["W1009", "Training, sample", "Caregiver training, sample program, "
     "per hour", "20030701", "", "1", "", "Z1", ""],
]


def csv_field(v):
    if any(c in v for c in ',"\r\n'):
        return '"' + v.replace('"', '""') + '"'
    return v


def write_local(path):
    lines = [",".join(csv_field(v) for v in LOCAL_HEADER)]
    for row in LOCAL_ROWS:
        lines.append(",".join(csv_field(v) for v in row))
    with open(path, "wb") as f:
        f.write(("\r\n".join(lines) + "\r\n").encode("utf-8"))


def main(argv):
    out = argv[1] if len(argv) > 1 else "data/sample"
    os.makedirs(os.path.join(out, "cpt"), exist_ok=True)
    for year in (2025, 2026):
        write_anweb(os.path.join(out, "hcpcs_sample_%d_ANWEB.txt" % year),
                    year)
    write_cpt(os.path.join(out, "cpt"))
    write_local(os.path.join(out, "local.csv"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
