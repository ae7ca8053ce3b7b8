# authctl: build and install the release binary, the man page and the shell completions.
#
#   make install                       into /usr/local (run as root)
#   make install PREFIX=$HOME/.local   into your home directory
#   make install DESTDIR=/tmp/pkg      staged, for packaging
#   make uninstall PREFIX=...          removes what install put there
#   make man                           regenerates docs/authctl.1's option sections from the option table
#
# BINARY=path installs an already built binary instead of building one.

PREFIX ?= /usr/local
DESTDIR ?=
SWIFT ?= swift
INSTALL ?= install
SCRATCH ?= .build

bindir = $(DESTDIR)$(PREFIX)/bin
mandir = $(DESTDIR)$(PREFIX)/share/man/man1
bashdir = $(DESTDIR)$(PREFIX)/share/bash-completion/completions
zshdir = $(DESTDIR)$(PREFIX)/share/zsh/site-functions
fishdir = $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d

RELEASE_BINARY = $(SCRATCH)/release/authctl
BINARY ?=

.PHONY: all build install uninstall man

all: build

# The fast build: the Swift runtime linked statically (README, "Install").
build:
	$(SWIFT) build -c release --static-swift-stdlib --scratch-path $(SCRATCH)

install: $(if $(BINARY),,build)
	$(INSTALL) -d $(bindir) $(mandir) $(bashdir) $(zshdir) $(fishdir)
	$(INSTALL) -m 755 $(or $(BINARY),$(RELEASE_BINARY)) $(bindir)/authctl
	$(INSTALL) -m 644 docs/authctl.1 $(mandir)/authctl.1
	$(INSTALL) -m 644 completions/authctl.bash $(bashdir)/authctl
	$(INSTALL) -m 644 completions/_authctl $(zshdir)/_authctl
	$(INSTALL) -m 644 completions/authctl.fish $(fishdir)/authctl.fish

uninstall:
	rm -f $(bindir)/authctl $(mandir)/authctl.1 $(bashdir)/authctl $(zshdir)/_authctl $(fishdir)/authctl.fish

# Splices `authctl __man-options` between the markers in docs/authctl.1.
man:
	$(SWIFT) build --scratch-path $(SCRATCH) --product authctl
	$(SCRATCH)/debug/authctl __man-options > docs/.authctl.1.generated
	awk 'FNR == NR { generated = generated $$0 "\n"; next } \
	     /^\.\\" BEGIN GENERATED/ { printf "%s", generated; skipping = 1; next } \
	     /^\.\\" END GENERATED/ { skipping = 0; next } \
	     !skipping' docs/.authctl.1.generated docs/authctl.1 > docs/.authctl.1.new
	rm docs/.authctl.1.generated
	mv docs/.authctl.1.new docs/authctl.1
