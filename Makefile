# hcpcsd: see README.md.  `make run` and `make check` are the two entry
# points on a fresh Debian machine; both install what they need as root.

# GNU directory variables.  SYSCONFDIR follows PREFIX ($(PREFIX)/etc), but
# a /usr install keeps its configuration in /etc, as Debian's policy says.
# LIBDIR may be multiarch (LIBDIR=/usr/lib/x86_64-linux-gnu); hcpcs.pc
# follows it.
PREFIX	?= /usr/local
SYSCONFDIR ?= $(if $(filter /usr,$(PREFIX)),/etc,$(PREFIX)/etc)
DESTDIR	?=
BINDIR	?= $(PREFIX)/bin
SBINDIR	?= $(PREFIX)/sbin
LIBDIR	?= $(PREFIX)/lib
INCDIR	?= $(PREFIX)/include
MANDIR	?= $(PREFIX)/share/man
DOCDIR	?= $(PREFIX)/share/doc/hcpcsd
# systemd units and the sysusers.d file; both directories are in systemd's
# search path for PREFIX=/usr and PREFIX=/usr/local.
UNITDIR	?= $(PREFIX)/lib/systemd/system
SYSUSERSDIR ?= $(PREFIX)/lib/sysusers.d

VERSION_MAJOR := $(shell sed -n 's/^\#define HCPCS_VERSION_MAJOR[^0-9]*\([0-9]*\).*/\1/p' client/hcpcs.h)
VERSION_MINOR := $(shell sed -n 's/^\#define HCPCS_VERSION_MINOR[^0-9]*\([0-9]*\).*/\1/p' client/hcpcs.h)
VERSION_PATCH := $(shell sed -n 's/^\#define HCPCS_VERSION_PATCH[^0-9]*\([0-9]*\).*/\1/p' client/hcpcs.h)
VERSION	 = $(VERSION_MAJOR).$(VERSION_MINOR).$(VERSION_PATCH)

# B is the build directory; SAN=1 builds with ASan + UBSan into build-san.
SAN	?=
ifeq ($(SAN),1)
B	?= build-san
SANFLAGS = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
else
B	?= build
SANFLAGS =
endif

CC	?= cc
PKGS	 = libevent msgpack yaml-0.1
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
WARN	 = -Wall -Wextra -Werror -Wstrict-prototypes -Wmissing-prototypes \
	   -Wshadow -Wpointer-arith -Wsign-compare -Wwrite-strings \
	   -Wno-missing-field-initializers
# CFLAGS, CPPFLAGS and LDFLAGS are the builder's (dpkg-buildflags sets
# all three); the defaults harden as Debian's hardening=+all does.  The
# stack protector and full RELRO are always added.  _FORTIFY_SOURCE needs
# optimisation (glibc warns without, and -Werror fails); the SAN build goes
# without, since FORTIFY's __*_chk wrappers stand between the code and
# ASan's interceptors and may catch, or miss, what ASan would report.
CFLAGS	?= -O2 -g
CPPFLAGS ?= $(if $(filter -O -O1 -O2 -O3 -Os -Og -Ofast,$(CFLAGS)),-D_FORTIFY_SOURCE=2)
LDFLAGS	?=
HARDEN_CFLAGS = -fstack-protector-strong
HARDEN_LDFLAGS = -Wl,-z,relro,-z,now
ifeq ($(SAN),1)
ALL_CPPFLAGS = $(filter-out -D_FORTIFY_SOURCE%,$(CPPFLAGS)) -U_FORTIFY_SOURCE
else
ALL_CPPFLAGS = $(CPPFLAGS)
endif
ALL_CFLAGS = -std=c11 -D_GNU_SOURCE $(ALL_CPPFLAGS) $(WARN) $(CFLAGS) \
	     $(HARDEN_CFLAGS) $(SANFLAGS) -DHCPCSD_VERSION=\"$(VERSION)\" \
	     -DHCPCSD_CONF_DEFAULT=\"$(SYSCONFDIR)/hcpcsd/hcpcsd.yaml\" \
	     $(PKG_CFLAGS)
ALL_LDFLAGS = $(HARDEN_LDFLAGS) $(LDFLAGS)
LDLIBS	 = $(PKG_LIBS) -lpthread

# common/: code the daemon and libhcpcs share (mpscan, the scanner).
COMMON_SRCS := $(wildcard common/*.c)
COMMON_OBJS := $(COMMON_SRCS:%.c=$(B)/%.o)
ALL_CFLAGS += -Icommon
DAEMON_SRCS := $(wildcard daemon/*.c)
DAEMON_OBJS := $(DAEMON_SRCS:%.c=$(B)/%.o) $(COMMON_OBJS)
CORE_OBJS   := $(filter-out $(B)/daemon/main.o,$(DAEMON_OBJS))
LIB_SRCS    := client/hcpcs.c client/hcpcs_net.c client/hcpcs_call.c \
	       $(COMMON_SRCS)
LIB_OBJS    := $(LIB_SRCS:%.c=$(B)/%.o)
LIB_PIC_OBJS := $(LIB_SRCS:%.c=$(B)/pic/%.o)
CLI_SRCS    := client/cli.c client/cli_cmd.c client/cli_out.c
CLI_OBJS    := $(CLI_SRCS:%.c=$(B)/%.o)
TEST_SRCS   := $(wildcard tests/test_*.c)
TEST_BINS   := $(TEST_SRCS:tests/%.c=$(B)/tests/%)
TEST_OBJS   := $(B)/tests/t.o

SONAME	 = libhcpcs.so.$(VERSION_MAJOR)

.PHONY: all run check test deps deps-run install clean sample bench
.SECONDARY:
all: $(B)/hcpcsd $(B)/hcpcs $(B)/libhcpcs.a $(B)/$(SONAME) $(B)/hcpcs.pc $(TEST_BINS) \
     $(B)/bench $(B)/loadgen

# Header dependencies: each compile writes the headers it read to a .d
# file beside its output (-MMD; -MP: a header that goes away breaks
# nothing), included at the end of this file.
DEPFLAGS = -MMD -MP

$(B)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(DEPFLAGS) -c -o $@ $<

# HCPCSD_VERSION (-D above) is read from client/hcpcs.h, which the
# daemon files that print it do not include: a version bump must rebuild
# them all the same, whichever they are.
VERSION_SRCS := $(shell grep -l HCPCSD_VERSION daemon/*.c)
$(VERSION_SRCS:%.c=$(B)/%.o): client/hcpcs.h

$(B)/pic/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(DEPFLAGS) -fPIC -fvisibility=hidden -c -o $@ $<

$(B)/hcpcsd: $(DAEMON_OBJS)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $^ $(LDLIBS)

$(B)/libhcpcs.a: $(LIB_OBJS)
	rm -f $@ && ar rcs $@ $^

$(B)/$(SONAME): $(LIB_PIC_OBJS)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -shared -Wl,-soname,$(SONAME) -o $@ $^ \
	    $$(pkg-config --libs msgpack)
	ln -sf $(SONAME) $(B)/libhcpcs.so

$(B)/hcpcs: $(CLI_OBJS) $(B)/libhcpcs.a
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $^ $$(pkg-config --libs msgpack)

$(B)/hcpcs.pc: client/hcpcs.pc.in client/hcpcs.h
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(VERSION)|' \
	    -e 's|@LIBDIR@|$(LIBDIR)|' -e 's|@INCDIR@|$(INCDIR)|' $< > $@

$(B)/tests/%: tests/%.c $(TEST_OBJS) $(CORE_OBJS) $(B)/libhcpcs.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(DEPFLAGS) -MF $@.d $(ALL_LDFLAGS) -Itests -Idaemon -Iclient -o $@ $< \
	    $(TEST_OBJS) $(CORE_OBJS) $(B)/libhcpcs.a $(LDLIBS)

# Throughput per method as a ratio to ping, same run (bench/run.sh).
$(B)/bench: bench/bench.c $(B)/daemon/rpc.o $(CORE_OBJS)
	$(CC) $(ALL_CFLAGS) $(DEPFLAGS) -MF $@.d $(ALL_LDFLAGS) -Idaemon -o $@ $< $(CORE_OBJS) $(LDLIBS)

# hcpcsd side by side with Redis (bench/README.md): loadgen is its own
# client, sharing no code with the daemon or libhcpcs.
$(B)/loadgen: bench/loadgen.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< \
	    $$(pkg-config --libs msgpack) -lpthread

# redis-server is installed from Debian when missing, when root; else
# run.sh says so and measures hcpcsd alone.
bench: $(B)/hcpcsd $(B)/bench $(B)/loadgen
	@if ! command -v redis-server >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
	        apt-get install -y -qq redis-server; fi
	B=$(B) sh bench/run.sh

# Debian packages: RUN_PKGS build and serve (make run); the tests also
# need TEST_PKGS (make check).  Installed when missing, when root.
RUN_PKGS = build-essential pkg-config libevent-dev libmsgpack-dev libyaml-dev
# readelf (tests/test_hardening.sh) is binutils, in build-essential.
TEST_PKGS = python3 python3-msgpack procps man-db groff-base bsdextrautils \
	    systemd strace mandoc
define install_missing
	@missing=""; for p in $(1); do \
	    dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	    if [ "$$(id -u)" = 0 ]; then \
	        apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
	            apt-get install -y -qq $$missing; \
	    else echo "missing Debian packages:$$missing (run as root or apt-get install them)"; exit 1; fi; \
	fi
endef
deps-run:
	$(call install_missing,$(RUN_PKGS))
deps: deps-run
	$(call install_missing,$(TEST_PKGS))

# The socket goes in a directory only its user can enter: at a fixed name
# in /tmp any local user could bind it first and answer as hcpcsd.
# $XDG_RUNTIME_DIR is private already; otherwise hcpcsd-sample-UID is
# made mode 0700 under ${TMPDIR:-/tmp}, and one found there is used only
# when it is a real directory of ours with mode 0700 (as tmux does).
# Run as root (a newcomer's fresh machine), it passes -R: the sample is
# served from the checkout, which the user hcpcsd may not be able to read.
run: deps-run
	$(MAKE) $(B)/hcpcsd $(B)/hcpcs
	@if [ -n "$${XDG_RUNTIME_DIR:-}" ]; then d=$$XDG_RUNTIME_DIR/hcpcsd-sample; \
	else d=$${TMPDIR:-/tmp}/hcpcsd-sample-$$(id -u); fi; \
	mkdir -m 0700 "$$d" 2>/dev/null; \
	if [ -L "$$d" ] || [ ! -d "$$d" ] || \
	    [ "$$(stat -c %u:%a "$$d")" != "$$(id -u):700" ]; then \
	    echo "make run: $$d is not a directory of yours with mode 0700;" \
	        "remove it, or set TMPDIR" >&2; exit 1; fi; \
	s=$$d/hcpcsd.sock; R=; \
	if [ "$$(id -u)" = 0 ]; then R=-R; \
	    echo "make run: as root, with -R (a daemon left serving should drop" \
	        "to a user: see user: in hcpcsd.yaml(5))"; fi; \
	echo "hcpcsd: serving data/sample on $$s (Ctrl-C stops it)"; \
	echo "in another terminal, paste:"; \
	echo "  export HCPCSD_SOCKET=\"$$s\" PATH=\"$(abspath $(B)):\$$PATH\""; \
	echo "then take the tour in README.md, e.g.: hcpcs lookup J1100"; \
	exec $(B)/hcpcsd -f $$R -s "$$s" -c conf/sample.yaml

# test: one build (B/SAN); check: plain and sanitizer builds, every test.
# JOBS tests run at once (default: the number of CPUs); each may take
# HCPCSD_TEST_TIMEOUT seconds (default 300).  See tests/run.sh.
JOBS	?=
test: all
	B=$(B) JOBS=$(JOBS) sh tests/run.sh

check: deps
	$(MAKE) B=build test
	$(MAKE) SAN=1 B=build-san test

sample:
	/usr/bin/python3 tools/gensample.py data/sample

# Units name the installed paths, so they are written at install time.
# The man pages and the example configuration name those of a /usr
# install; installed, they name the actual ones.
UNIT_SED = sed -e 's|@SBINDIR@|$(SBINDIR)|g' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g'
ETC_SED	 = sed -e 's| /etc/hcpcsd/| $(SYSCONFDIR)/hcpcsd/|g'
MAN_SED	 = $(ETC_SED) -e 's|/usr/share/doc/hcpcsd/|$(DOCDIR)/|g'

install: $(B)/hcpcsd $(B)/hcpcs $(B)/libhcpcs.a $(B)/$(SONAME)
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBDIR)/pkgconfig \
	    $(DESTDIR)$(INCDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man3 \
	    $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(SYSCONFDIR)/hcpcsd \
	    $(DESTDIR)$(UNITDIR) $(DESTDIR)$(SYSUSERSDIR) $(DESTDIR)$(DOCDIR)
	install -m 755 $(B)/hcpcsd $(DESTDIR)$(SBINDIR)/hcpcsd
	install -m 755 $(B)/hcpcs $(DESTDIR)$(BINDIR)/hcpcs
	install -m 644 $(B)/libhcpcs.a $(DESTDIR)$(LIBDIR)/libhcpcs.a
	install -m 755 $(B)/$(SONAME) $(DESTDIR)$(LIBDIR)/libhcpcs.so.$(VERSION)
	ln -sf libhcpcs.so.$(VERSION) $(DESTDIR)$(LIBDIR)/$(SONAME)
	ln -sf $(SONAME) $(DESTDIR)$(LIBDIR)/libhcpcs.so
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(VERSION)|' \
	    -e 's|@LIBDIR@|$(LIBDIR)|' -e 's|@INCDIR@|$(INCDIR)|' \
	    client/hcpcs.pc.in > $(DESTDIR)$(LIBDIR)/pkgconfig/hcpcs.pc
	chmod 644 $(DESTDIR)$(LIBDIR)/pkgconfig/hcpcs.pc
	install -m 644 client/hcpcs.h $(DESTDIR)$(INCDIR)/hcpcs.h
	@# An admin's configuration is never overwritten.
	if [ -e $(DESTDIR)$(SYSCONFDIR)/hcpcsd/hcpcsd.yaml ]; then \
	    echo "keeping $(DESTDIR)$(SYSCONFDIR)/hcpcsd/hcpcsd.yaml"; else \
	    $(ETC_SED) conf/hcpcsd.yaml > $(DESTDIR)$(SYSCONFDIR)/hcpcsd/hcpcsd.yaml && \
	    chmod 644 $(DESTDIR)$(SYSCONFDIR)/hcpcsd/hcpcsd.yaml; fi
	for m in docs/*.[1358]; do d=$(DESTDIR)$(MANDIR)/man$${m##*.}/$${m##*/}; \
	    $(MAN_SED) $$m > $$d && chmod 644 $$d || exit 1; done
	for u in hcpcsd.service hcpcsd.socket; do \
	    $(UNIT_SED) systemd/$$u.in > $(DESTDIR)$(UNITDIR)/$$u && \
	    chmod 644 $(DESTDIR)$(UNITDIR)/$$u || exit 1; done
	install -m 644 systemd/hcpcsd.sysusers $(DESTDIR)$(SYSUSERSDIR)/hcpcsd.conf
	install -m 644 docs/admin.md docs/protocol.md docs/formats.md $(DESTDIR)$(DOCDIR)/

clean:
	rm -rf build build-san

# The C client of the end-to-end test (tests/test_e2e.sh): libhcpcs only.
$(B)/tests/e2e_client: tests/e2e_client.c $(TEST_OBJS) $(B)/libhcpcs.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(DEPFLAGS) -MF $@.d $(ALL_LDFLAGS) -Itests -Iclient -o $@ $< $(TEST_OBJS) \
	    $(B)/libhcpcs.a $$(pkg-config --libs msgpack)
all: $(B)/tests/e2e_client

# LD_PRELOAD'ed by the tests that hold a load until they feed it
# (tests/gate_open.c); never sanitized: it runs before ASan's runtime.
$(B)/tests/gate_open.so: tests/gate_open.c
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -D_GNU_SOURCE $(WARN) -O2 -fPIC -shared -o $@ $< -ldl
all: $(B)/tests/gate_open.so

# libFuzzer harnesses (fuzz/README.md): clang, ASan + UBSan, in
# build-fuzz; not part of all or check.
FUZZ_CC	?= clang
FUZZ_B	 = build-fuzz
FUZZ_SAN = -fsanitize=address,undefined -fno-sanitize-recover=all \
	   -fno-omit-frame-pointer
FUZZ_CFLAGS = -std=c11 -D_GNU_SOURCE -O1 -g $(WARN) -Wno-error $(FUZZ_SAN) \
	      -DHCPCSD_VERSION=\"$(VERSION)\" $(PKG_CFLAGS)
FUZZ_SRCS := $(wildcard fuzz/fuzz_*.c)
FUZZ_BINS := $(FUZZ_SRCS:fuzz/%.c=$(FUZZ_B)/%)
FUZZ_OBJS := $(filter-out $(FUZZ_B)/daemon/main.o,$(DAEMON_SRCS:%.c=$(FUZZ_B)/%.o)) \
	     $(COMMON_SRCS:%.c=$(FUZZ_B)/%.o)

.PHONY: fuzz
fuzz: $(FUZZ_BINS)

$(FUZZ_B)/daemon/%.o: daemon/%.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(DEPFLAGS) -Icommon -fsanitize=fuzzer-no-link -c -o $@ $<

$(FUZZ_B)/common/%.o: common/%.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(DEPFLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

$(FUZZ_B)/fuzz_%: fuzz/fuzz_%.c $(FUZZ_OBJS)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(DEPFLAGS) -MF $@.d -fsanitize=fuzzer -Idaemon \
	    -Icommon -Iclient -o $@ $< \
	    $(FUZZ_OBJS) $(LDLIBS)

# What the compiles above wrote (see DEPFLAGS).  An output without its
# .d (built before -MMD was used, or the .d was lost) has no header
# dependencies known: it is rebuilt, once.
-include $(wildcard $(B)/*.d $(B)/*/*.d $(B)/*/*/*.d \
	$(FUZZ_B)/*.d $(FUZZ_B)/*/*.d)
DEP_OUTS := $(wildcard $(B)/*/*.o $(B)/*/*/*.o $(TEST_BINS) $(B)/bench \
	$(B)/tests/e2e_client $(FUZZ_B)/*/*.o $(FUZZ_BINS))
NO_DEPS := $(foreach o,$(DEP_OUTS),$(if $(wildcard $(basename $(o)).d),,$(o)))
.PHONY: FORCE
$(NO_DEPS): FORCE
