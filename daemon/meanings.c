/*
 * meanings.c: the code tables of the CMS HCPCS record layout, value ->
 * meaning, one sorted table per coded field.
 *
 * The text is CMS's, from the 2019 layout (HCPCS2019_recordlayout.txt;
 * docs/formats.md section 9 reproduces it), with its spellings kept
 * ("opthamology", "cardiovascualr", "Prostrate", "intraitreal") and only
 * line wrapping, capitals ("Part B", "RVUs", "e.g.", "ABO") and the
 * punctuation between merged lines normalised.  Pricing indicator 40 and
 * BETOS O1L come from the 2024 layout.  Keep every table sorted by
 * strcmp of the value (tests/test_meanings.c checks it): lookups
 * binary-search.
 */
#include <string.h>

#include "meanings.h"

/* Pricing indicator headings. */
#define PI_PFS		"Physician fee schedule and non-physician " \
			"practitioners linked to the physician fee schedule"
#define PI_LAB		"Clinical lab fee schedule"
#define PI_DMEPOS	"Durable medical equipment, prosthetics, orthotics, " \
			"supplies and surgical dressings"
#define PI_OTHER	"Other"

/* Lab certification: the general category of a subgroup. */
#define LAB_MICRO	"Microbiology"
#define LAB_IMMUNO	"Diagnostic immunology"
#define LAB_CHEM	"Chemistry"
#define LAB_IMMHEM	"Immunohematology"
#define LAB_PATH	"Pathology"

/* MOG payment group: the body system (its first digit). */
#define MOG_INTEG	"Integumentary"
#define MOG_MUSC	"Musculoskeletal"
#define MOG_ENT		"ENT/Respiratory/Cardiovascular/Lymphatic/Endocrine"
#define MOG_DIGEST	"Digestive"
#define MOG_URIN	"Urinary/Genital"
#define MOG_NERV	"Nervous/Eye"

static const struct meaning action_rows[] = {
	{ "A", "Add procedure or modifier code" },
	{ "B", "Change in both administrative data field and long "
	    "description of procedure or modifier code" },
	{ "C", "Change in long description of procedure or modifier code" },
	{ "D", "Discontinue procedure or modifier code" },
	{ "F", "Change in administrative data field of procedure or modifier "
	    "code" },
	{ "N", "No maintenance for this code" },
	{ "P", "Payment change (MOG, pricing indicator codes, anesthesia "
	    "base units, Ambulatory Surgical Centers)" },
	{ "R", "Re-activate discontinued/deleted procedure or modifier code" },
	{ "S", "Change in short description of procedure code" },
	{ "T", "Miscellaneous change (BETOS, type of service)" },
};

static const struct meaning coverage_rows[] = {
	{ "C", "Carrier judgment" },
	{ "D", "Special coverage instructions apply" },
	{ "I", "Not payable by Medicare" },
	{ "M", "Non-covered by Medicare" },
	{ "S", "Non-covered by Medicare statute" },
};

static const struct meaning pricing_rows[] = {
	{ "00", "Service not separately priced by Part B (e.g., services not "
	    "covered, bundled, used by Part A only, etc.)" },
	{ "11", "Price established using national RVUs", PI_PFS },
	{ "12", "Price established using national anesthesia base units",
	    PI_PFS },
	{ "13", "Price established by carriers (e.g., not otherwise "
	    "classified, individual determination, carrier discretion)",
	    PI_PFS },
	{ "21", "Price subject to national limitation amount", PI_LAB },
	{ "22", "Price established by carriers (e.g., gap-fills, carrier "
	    "established panels)", PI_LAB },
	{ "31", "Frequently serviced DME (price subject to floors and "
	    "ceilings)", PI_DMEPOS },
	{ "32", "Inexpensive & routinely purchased DME (price subject to "
	    "floors and ceilings)", PI_DMEPOS },
	{ "33", "Oxygen and oxygen equipment (price subject to floors and "
	    "ceilings)", PI_DMEPOS },
	{ "34", "DME supplies (price subject to floors and ceilings)",
	    PI_DMEPOS },
	{ "35", "Surgical dressings (price subject to floors and ceilings)",
	    PI_DMEPOS },
	{ "36", "Capped rental DME (price subject to floors and ceilings)",
	    PI_DMEPOS },
	{ "37", "Ostomy, tracheostomy and urological supplies (price subject "
	    "to floors and ceilings)", PI_DMEPOS },
	{ "38", "Orthotics, prosthetics, prosthetic devices & vision "
	    "services (price subject to floors and ceilings)", PI_DMEPOS },
	{ "39", "Parenteral and enteral nutrition", PI_DMEPOS },
	{ "40", "Lymphedema compression treatment items (eff 1/1/2024)",
	    PI_DMEPOS },
	{ "45", "Customized DME items", PI_DMEPOS },
	{ "46", "Carrier priced (e.g., not otherwise classified, individual "
	    "determination, carrier discretion, gap-filled amounts)",
	    PI_DMEPOS },
	{ "51", "Drugs", PI_OTHER },
	{ "52", "Reasonable charge", PI_OTHER },
	{ "53", "Statute", PI_OTHER },
	{ "54", "Vaccinations", PI_OTHER },
	{ "55", "Splints and casts (effec 10/1/2014)", PI_OTHER },
	{ "56", "IOL's inserted in a physician's office (eff 10/1/2014)",
	    PI_OTHER },
	{ "57", "Other carrier priced", PI_OTHER },
	{ "99", "Value not established", PI_OTHER },
};

static const struct meaning mult_pricing_rows[] = {
	{ "9", "Not applicable as HCPCS not priced separately by Part B "
	    "(pricing indicator is 00) or value is not established (pricing "
	    "indicator is 99)" },
	{ "A", "Not applicable as HCPCS priced under one methodology" },
	{ "B", "Professional component of HCPCS priced using RVUs, while "
	    "technical component and global service priced by Medicare Part "
	    "B carriers" },
	{ "C", "Physician interpretation of clinical lab service is priced "
	    "under physician fee schedule using RVUs, while pricing of lab "
	    "service is paid under clinical lab fee schedule" },
	{ "D", "Service performed by physician is priced under physician fee "
	    "schedule using RVUs, while service performed by clinical "
	    "psychologist is priced under clinical psychologist fee schedule "
	    "(not applicable as of January 1, 1998)" },
	{ "E", "Service performed by physician is priced under physician fee "
	    "schedule using RVUs, service performed by clinical psychologist "
	    "is priced under clinical psychologist's fee schedule and "
	    "service performed by clinical social worker is priced under "
	    "clinical social worker fee schedule (not applicable as of "
	    "January 1, 1998)" },
	{ "F", "Service performed by physician is priced under physician fee "
	    "schedule by carriers, service performed by clinical "
	    "psychologist is priced under clinical psychologist's fee "
	    "schedule and service performed by clinical social worker is "
	    "priced under clinical social worker fee schedule (not "
	    "applicable as of January 1, 1998)" },
	{ "G", "Clinical lab service priced under reasonable charge when "
	    "service is submitted on claim with blood products, while "
	    "service is priced under clinical lab fee schedule when there "
	    "are no blood products on claim" },
};

static const struct meaning labcert_rows[] = {
	{ "010", "Histocompatibility testing" },
	{ "100", "Microbiology" },
	{ "110", "Bacteriology", LAB_MICRO },
	{ "115", "Mycobacteriology", LAB_MICRO },
	{ "120", "Mycology", LAB_MICRO },
	{ "130", "Parasitology", LAB_MICRO },
	{ "140", "Virology", LAB_MICRO },
	{ "150", "Other microbiology", LAB_MICRO },
	{ "200", "Diagnostic immunology" },
	{ "210", "Syphilis serology", LAB_IMMUNO },
	{ "220", "General immunology", LAB_IMMUNO },
	{ "300", "Chemistry" },
	{ "310", "Routine chemistry", LAB_CHEM },
	{ "320", "Urinalysis", LAB_CHEM },
	{ "330", "Endocrinology", LAB_CHEM },
	{ "340", "Toxicology", LAB_CHEM },
	{ "350", "Other chemistry", LAB_CHEM },
	{ "400", "Hematology" },
	{ "500", "Immunohematology" },
	{ "510", "ABO group & Rh type", LAB_IMMHEM },
	{ "520", "Antibody detection (transfusion)", LAB_IMMHEM },
	{ "530", "Antibody detection (nontransfusion)", LAB_IMMHEM },
	{ "540", "Antibody identification", LAB_IMMHEM },
	{ "550", "Compatibility testing", LAB_IMMHEM },
	{ "560", "Other immunohematology", LAB_IMMHEM },
	{ "600", "Pathology" },
	{ "610", "Histopathology", LAB_PATH },
	{ "620", "Oral pathology", LAB_PATH },
	{ "630", "Cytology", LAB_PATH },
	{ "800", "Radiobioassay" },
	{ "900", "Clinical cytogenetics" },
};

/*
 * The layout defines YY in a sentence ("The 'YY' indicator represents
 * that this procedure is approved to be performed in an ambulatory
 * surgical center") and blank in its edit rules.
 */
static const struct meaning asc_group_rows[] = {
	{ "", "Not approved for ASC" },
	{ "YY", "Approved to be performed in an ambulatory surgical center" },
};

static const struct meaning opps_rows[] = {
	{ "000", "No MOG applies" },
	{ "102", "Level II needle biopsy/aspiration", MOG_INTEG },
	{ "112", "Level II incision and drainage", MOG_INTEG },
	{ "132", "Level II debridement/destruction", MOG_INTEG },
	{ "142", "Level II excision/biopsy", MOG_INTEG },
	{ "143", "Level III excision/biopsy", MOG_INTEG },
	{ "151", "Level I skin repair", MOG_INTEG },
	{ "152", "Level II skin repair", MOG_INTEG },
	{ "153", "Level III skin repair", MOG_INTEG },
	{ "160", "Incision/excision breast", MOG_INTEG },
	{ "169", "Breast reconstruction/mastectomy", MOG_INTEG },
	{ "201", "Level I skull and facial bone procedures", MOG_MUSC },
	{ "202", "Level II skull and facial bone procedures", MOG_MUSC },
	{ "211", "Level I hand musculoskeletal procedures", MOG_MUSC },
	{ "212", "Level II hand musculoskeletal procedures", MOG_MUSC },
	{ "221", "Level I foot musculoskeletal procedures", MOG_MUSC },
	{ "222", "Level II foot musculoskeletal procedures", MOG_MUSC },
	{ "231", "Level I musculoskeletal procedures", MOG_MUSC },
	{ "232", "Level II musculoskeletal procedures", MOG_MUSC },
	{ "233", "Level III musculoskeletal procedures", MOG_MUSC },
	{ "241", "Level I arthroscopy", MOG_MUSC },
	{ "242", "Level II arthroscopy", MOG_MUSC },
	{ "260", "Closed treatment fracture finger/toe/trunk", MOG_MUSC },
	{ "269", "Closed treatment fracture/dislocation/except "
	    "finger/toe/trunk", MOG_MUSC },
	{ "270", "Open/percutaneous treatment fracture or dislocation",
	    MOG_MUSC },
	{ "279", "Bone/joint manipulation under anesthesia", MOG_MUSC },
	{ "280", "Bunion procedures", MOG_MUSC },
	{ "289", "Arthroplasty", MOG_MUSC },
	{ "290", "Arthroplasty with prosthesis", MOG_MUSC },
	{ "302", "Level II ENT procedures", MOG_ENT },
	{ "303", "Level III ENT procedures", MOG_ENT },
	{ "304", "Level IV ENT procedures", MOG_ENT },
	{ "309", "Implantation of cochlear device (ASC rate does not include "
	    "cost of implant)", MOG_ENT },
	{ "310", "Nasal cauterization/packing", MOG_ENT },
	{ "319", "Tonsil/adenoid procedures", MOG_ENT },
	{ "322", "Level II endoscopy upper airway", MOG_ENT },
	{ "323", "Level III endoscopy upper airway", MOG_ENT },
	{ "329", "Endoscopy lower airway", MOG_ENT },
	{ "330", "Thoracentesis/lavage procedures", MOG_ENT },
	{ "350", "Placement transvenous caths/cutdown", MOG_ENT },
	{ "359", "Removal/revision, pacemaker/vascular device", MOG_ENT },
	{ "360", "Vascular ligation", MOG_ENT },
	{ "369", "Vascular repair/fistula construction", MOG_ENT },
	{ "370", "Lymph node excisions", MOG_ENT },
	{ "379", "Thyroid/lymphadenectomy procedures", MOG_ENT },
	{ "400", "Esophageal dilation without endoscopy", MOG_DIGEST },
	{ "410", "Esophagoscopy", MOG_DIGEST },
	{ "421", "Level I upper GI endoscopy/intubation", MOG_DIGEST },
	{ "422", "Level II upper GI endoscopy/intubation", MOG_DIGEST },
	{ "429", "Lower GI endoscopy", MOG_DIGEST },
	{ "430", "Anoscopy and diagnostic sigmoidoscopy", MOG_DIGEST },
	{ "439", "Therapeutic proctosigmoidoscopy", MOG_DIGEST },
	{ "440", "Small intestine endoscopy", MOG_DIGEST },
	{ "449", "Percutaneous biliary endoscopic procedures", MOG_DIGEST },
	{ "450", "Endoscopic retrograde cholangio-pancreatography (ERCP)",
	    MOG_DIGEST },
	{ "460", "Hernia/hydrocele procedures", MOG_DIGEST },
	{ "472", "Level II anal/rectal procedures", MOG_DIGEST },
	{ "473", "Level III anal/rectal procedures", MOG_DIGEST },
	{ "480", "Peritoneal and abdominal procedures", MOG_DIGEST },
	{ "490", "Tube procedures", MOG_DIGEST },
	{ "501", "Level I laparoscopy", MOG_URIN },
	{ "502", "Level II laparoscopy", MOG_URIN },
	{ "509", "Lithotripsy", MOG_URIN },
	{ "511", "Level I cystourethroscopy and other genitourinary "
	    "procedures", MOG_URIN },
	{ "512", "Level II cystourethroscopy and other genitourinary "
	    "procedures", MOG_URIN },
	{ "513", "Level III cystourethroscopy and other genitourinary "
	    "procedures", MOG_URIN },
	{ "521", "Level I urethral procedures", MOG_URIN },
	{ "522", "Level II urethral procedures", MOG_URIN },
	{ "530", "Circumcision", MOG_URIN },
	{ "539", "Penile procedures", MOG_URIN },
	{ "540", "Insertion of penile prosthesis (ASC rate does include cost "
	    "of implant)", MOG_URIN },
	{ "549", "Testes/epididymis procedures", MOG_URIN },
	{ "550", "Prostrate biopsy", MOG_URIN },
	{ "562", "Level II female reproductive procedures", MOG_URIN },
	{ "563", "Level III female reproductive procedures", MOG_URIN },
	{ "570", "Surgical hysteroscopy", MOG_URIN },
	{ "579", "D & C", MOG_URIN },
	{ "580", "Spontaneous abortion", MOG_URIN },
	{ "589", "Therapeutic abortion", MOG_URIN },
	{ "602", "Level II nervous system injections", MOG_NERV },
	{ "609", "Revision/removal neurological device", MOG_NERV },
	{ "610", "Implantation of neurostimulator electrodes (ASC rate does "
	    "not include cost of implant)", MOG_NERV },
	{ "619", "Implantation of neurological devices (ASC rate does not "
	    "include cost of implant)", MOG_NERV },
	{ "621", "Level I nerve procedures", MOG_NERV },
	{ "622", "Level II nerve procedures", MOG_NERV },
	{ "629", "Spinal tap", MOG_NERV },
	{ "639", "Laser eye procedures except retinal", MOG_NERV },
	{ "640", "Cataract procedures", MOG_NERV },
	{ "649", "Cataract procedures with IOL insert (includes $150 insert)",
	    MOG_NERV },
	{ "651", "Level I anterior segment eye procedures", MOG_NERV },
	{ "652", "Level II anterior segment eye procedures", MOG_NERV },
	{ "659", "Corneal transplant (ASC rate includes price of transplant)",
	    MOG_NERV },
	{ "660", "Posterior segment eye procedures", MOG_NERV },
	{ "669", "Strabismus/muscle procedures", MOG_NERV },
	{ "673", "Level III eye procedure", MOG_NERV },
	{ "674", "Level IV eye procedure", MOG_NERV },
	{ "680", "Vitrectomy", MOG_NERV },
	{ "689", "Implantation/replacement of intraitreal drug", MOG_NERV },
};

static const struct meaning opps_pi_rows[] = {
	{ "1", "ASC covered procedure" },
	{ "2", "Bundled service/no separate payment" },
	{ "3", "Excluded from ASC list" },
	{ "4", "Invalid code/90 day grace period" },
	{ "6", "Separate payment when furnished in an ASC" },
	{ "7", "ASC restricted coverage procedure" },
	{ "9", "ASC payment not applicable" },
};

static const struct meaning betos_rows[] = {
	{ "D1A", "Medical/surgical supplies" },
	{ "D1B", "Hospital beds" },
	{ "D1C", "Oxygen and supplies" },
	{ "D1D", "Wheelchairs" },
	{ "D1E", "Other DME" },
	{ "D1F", "Prosthetic/Orthotic devices" },
	{ "D1G", "Drugs Administered through DME" },
	{ "I1A", "Standard imaging - chest" },
	{ "I1B", "Standard imaging - musculoskeletal" },
	{ "I1C", "Standard imaging - breast" },
	{ "I1D", "Standard imaging - contrast gastrointestinal" },
	{ "I1E", "Standard imaging - nuclear medicine" },
	{ "I1F", "Standard imaging - other" },
	{ "I2A", "Advanced imaging - CAT/CT/CTA: brain/head/neck" },
	{ "I2B", "Advanced imaging - CAT/CT/CTA: other" },
	{ "I2C", "Advanced imaging - MRI/MRA: brain/head/neck" },
	{ "I2D", "Advanced imaging - MRI/MRA: other" },
	{ "I3A", "Echography/ultrasonography - eye" },
	{ "I3B", "Echography/ultrasonography - abdomen/pelvis" },
	{ "I3C", "Echography/ultrasonography - heart" },
	{ "I3D", "Echography/ultrasonography - carotid arteries" },
	{ "I3E", "Echography/ultrasonography - prostate, transrectal" },
	{ "I3F", "Echography/ultrasonography - other" },
	{ "I4A", "Imaging/procedure - heart including cardiac "
	    "catheterization" },
	{ "I4B", "Imaging/procedure - other" },
	{ "M1A", "Office visits - new" },
	{ "M1B", "Office visits - established" },
	{ "M2A", "Hospital visit - initial" },
	{ "M2B", "Hospital visit - subsequent" },
	{ "M2C", "Hospital visit - critical care" },
	{ "M3", "Emergency room visit" },
	{ "M4A", "Home visit" },
	{ "M4B", "Nursing home visit" },
	{ "M5A", "Specialist - pathology" },
	{ "M5B", "Specialist - psychiatry" },
	{ "M5C", "Specialist - opthamology" },
	{ "M5D", "Specialist - other" },
	{ "M6", "Consultations" },
	{ "O1A", "Ambulance" },
	{ "O1B", "Chiropractic" },
	{ "O1C", "Enteral and parenteral" },
	{ "O1D", "Chemotherapy" },
	{ "O1E", "Other drugs" },
	{ "O1F", "Hearing and speech services" },
	{ "O1G", "Immunizations/Vaccinations" },
	{ "O1L", "Lymphedema compression treatment items (eff 1/1/2024)" },
	{ "P0", "Anesthesia" },
	{ "P1A", "Major procedure - breast" },
	{ "P1B", "Major procedure - colectomy" },
	{ "P1C", "Major procedure - cholecystectomy" },
	{ "P1D", "Major procedure - turp" },
	{ "P1E", "Major procedure - hysterectomy" },
	{ "P1F", "Major procedure - explor/decompr/excisdisc" },
	{ "P1G", "Major procedure - Other" },
	{ "P2A", "Major procedure, cardiovascular-CABG" },
	{ "P2B", "Major procedure, cardiovascular-Aneurysm repair" },
	{ "P2C", "Major Procedure, cardiovascular-Thromboendarterectomy" },
	{ "P2D", "Major procedure, cardiovascualr-Coronary angioplasty "
	    "(PTCA)" },
	{ "P2E", "Major procedure, cardiovascular-Pacemaker insertion" },
	{ "P2F", "Major procedure, cardiovascular-Other" },
	{ "P3A", "Major procedure, orthopedic - Hip fracture repair" },
	{ "P3B", "Major procedure, orthopedic - Hip replacement" },
	{ "P3C", "Major procedure, orthopedic - Knee replacement" },
	{ "P3D", "Major procedure, orthopedic - other" },
	{ "P4A", "Eye procedure - corneal transplant" },
	{ "P4B", "Eye procedure - cataract removal/lens insertion" },
	{ "P4C", "Eye procedure - retinal detachment" },
	{ "P4D", "Eye procedure - treatment of retinal lesions" },
	{ "P4E", "Eye procedure - other" },
	{ "P5A", "Ambulatory procedures - skin" },
	{ "P5B", "Ambulatory procedures - musculoskeletal" },
	{ "P5C", "Ambulatory procedures - inguinal hernia repair" },
	{ "P5D", "Ambulatory procedures - lithotripsy" },
	{ "P5E", "Ambulatory procedures - other" },
	{ "P6A", "Minor procedures - skin" },
	{ "P6B", "Minor procedures - musculoskeletal" },
	{ "P6C", "Minor procedures - other (Medicare fee schedule)" },
	{ "P6D", "Minor procedures - other (non-Medicare fee schedule)" },
	{ "P7A", "Oncology - radiation therapy" },
	{ "P7B", "Oncology - other" },
	{ "P8A", "Endoscopy - arthroscopy" },
	{ "P8B", "Endoscopy - upper gastrointestinal" },
	{ "P8C", "Endoscopy - sigmoidoscopy" },
	{ "P8D", "Endoscopy - colonoscopy" },
	{ "P8E", "Endoscopy - cystoscopy" },
	{ "P8F", "Endoscopy - bronchoscopy" },
	{ "P8G", "Endoscopy - laparoscopic cholecystectomy" },
	{ "P8H", "Endoscopy - laryngoscopy" },
	{ "P8I", "Endoscopy - other" },
	{ "P9A", "Dialysis services (medicare fee schedule)" },
	{ "P9B", "Dialysis services (non-medicare fee schedule)" },
	{ "T1A", "Lab tests - routine venipuncture (non Medicare fee "
	    "schedule)" },
	{ "T1B", "Lab tests - automated general profiles" },
	{ "T1C", "Lab tests - urinalysis" },
	{ "T1D", "Lab tests - blood counts" },
	{ "T1E", "Lab tests - glucose" },
	{ "T1F", "Lab tests - bacterial cultures" },
	{ "T1G", "Lab tests - other (Medicare fee schedule)" },
	{ "T1H", "Lab tests - other (non-Medicare fee schedule)" },
	{ "T2A", "Other tests - electrocardiograms" },
	{ "T2B", "Other tests - cardiovascular stress tests" },
	{ "T2C", "Other tests - EKG monitoring" },
	{ "T2D", "Other tests - other" },
	{ "Y1", "Other - Medicare fee schedule" },
	{ "Y2", "Other - non-Medicare fee schedule" },
	{ "Z1", "Local codes" },
	{ "Z2", "Undefined codes" },
};

static const struct meaning tos_rows[] = {
	{ "0", "Whole blood only eff 01/96, whole blood or packed red cells "
	    "before 01/96" },
	{ "1", "Medical care" },
	{ "2", "Surgery" },
	{ "3", "Consultation" },
	{ "4", "Diagnostic radiology" },
	{ "5", "Diagnostic laboratory" },
	{ "6", "Therapeutic radiology" },
	{ "7", "Anesthesia" },
	{ "8", "Assistant at surgery" },
	{ "9", "Other medical items or services" },
	{ "A", "Used durable medical equipment (DME)" },
	{ "B", "High risk screening mammography (obsolete 1/1/98)" },
	{ "C", "Low risk screening mammography (obsolete 1/1/98)" },
	{ "D", "Ambulance (eff 04/95)" },
	{ "E", "Enteral/parenteral nutrients/supplies (eff 04/95)" },
	{ "F", "Ambulatory surgical center (facility usage for surgical "
	    "services)" },
	{ "G", "Immunosuppressive drugs" },
	{ "H", "Hospice services (discontinued 01/95)" },
	{ "I", "Purchase of DME (installment basis) (discontinued 04/95)" },
	{ "J", "Diabetic shoes (eff 04/95)" },
	{ "K", "Hearing items and services (eff 04/95)" },
	{ "L", "ESRD supplies (eff 04/95) (renal supplier in the home before "
	    "04/95)" },
	{ "M", "Monthly capitation payment for dialysis" },
	{ "N", "Kidney donor" },
	{ "P", "Lump sum purchase of DME, prosthetics, orthotics" },
	{ "Q", "Vision items or services" },
	{ "R", "Rental of DME" },
	{ "S", "Surgical dressings or other medical supplies (eff 04/95)" },
	{ "T", "Psychological therapy (term. 12/31/97); outpatient mental "
	    "health limitation (eff. 1/1/98)" },
	{ "U", "Occupational therapy" },
	{ "V", "Pneumococcal/flu vaccine (eff 01/96); "
	    "pneumococcal/flu/hepatitis B vaccine (eff 04/95-12/95); "
	    "pneumococcal only before 04/95" },
	{ "W", "Physical therapy" },
	{ "Y", "Second opinion on elective surgery (obsoleted 1/97)" },
	{ "Z", "Third opinion on elective surgery (obsoleted 1/97)" },
};

struct table {
	const struct meaning	*rows;
	size_t			 n;
};

#define TABLE(rows)	{ rows, sizeof(rows) / sizeof(rows[0]) }

static const struct table tables[RF_MAX] = {
	[RF_ACTION] = TABLE(action_rows),
	[RF_COVERAGE] = TABLE(coverage_rows),
	[RF_PRICING] = TABLE(pricing_rows),
	[RF_MULT_PRICING] = TABLE(mult_pricing_rows),
	[RF_LABCERT] = TABLE(labcert_rows),
	[RF_ASC_GROUP] = TABLE(asc_group_rows),
	[RF_OPPS] = TABLE(opps_rows),
	[RF_OPPS_PI] = TABLE(opps_pi_rows),
	[RF_BETOS] = TABLE(betos_rows),
	[RF_TOS] = TABLE(tos_rows),
};

/* The fields of tables[] that are set, in enum order. */
static const enum record_field fields[] = {
	RF_ACTION, RF_COVERAGE, RF_PRICING, RF_MULT_PRICING, RF_LABCERT,
	RF_ASC_GROUP, RF_OPPS, RF_OPPS_PI, RF_BETOS, RF_TOS,
};

/* strcmp order between a counted string and a NUL-terminated one. */
static int
cmp(const char *value, size_t len, const char *key)
{
	size_t	klen = strlen(key);
	int	c;

	c = memcmp(value, key, len < klen ? len : klen);
	if (c != 0)
		return c;
	return len < klen ? -1 : len > klen;
}

static const struct meaning *
find(enum record_field f, const char *value, size_t len)
{
	const struct table *t;
	size_t	 lo, hi, mid;
	int	 c;

	if ((unsigned)f >= RF_MAX || (value == NULL && len != 0))
		return NULL;
	t = &tables[f];
	if (value == NULL)
		value = "";
	lo = 0;
	hi = t->n;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		c = cmp(value, len, t->rows[mid].value);
		if (c == 0)
			return &t->rows[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

const char *
meanings_find(enum record_field f, const char *value, size_t len)
{
	const struct meaning *m = find(f, value, len);

	return m != NULL ? m->text : NULL;
}

const char *
meanings_group(enum record_field f, const char *value, size_t len)
{
	const struct meaning *m = find(f, value, len);

	return m != NULL ? m->group : NULL;
}

const struct meaning *
meanings_table(enum record_field f, size_t *n)
{
	if ((unsigned)f >= RF_MAX || tables[f].rows == NULL) {
		*n = 0;
		return NULL;
	}
	*n = tables[f].n;
	return tables[f].rows;
}

const enum record_field *
meanings_fields(size_t *n)
{
	*n = sizeof(fields) / sizeof(fields[0]);
	return fields;
}
