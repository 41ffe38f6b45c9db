# learnalytics: PGXS build.
#
#   make                 build (needs postgresql-server-dev-15)
#   make install         install into the server that $(PG_CONFIG) names
#   make installcheck    pg_regress against a running server (no pg_cron needed)
#   make test            everything, on a throwaway cluster; installs missing Debian packages as root
#   make check-asan      `make test` with the extension built with AddressSanitizer and UBSan, the
#                        server run with their runtime preloaded; any report fails (test/lib/sanitize.sh)
#   make demo            the end-to-end demo on a throwaway cluster with sample data
#   make dist            the PGXN archive learnalytics-$(EXTVERSION).zip of the committed tree (HEAD)
#   make format-check    lists the C files pgindent's layout (tools/pgindent.sh) would change; not
#                        part of test
#   make format          reformats src/**/*.[ch] in place with pg_bsd_indent (tools/pgindent.sh)

EXTENSION    = learnalytics
EXTVERSION   = $(shell sed -n "s/^default_version[[:space:]]*=[[:space:]]*'\(.*\)'/\1/p" $(EXTENSION).control)
MODULE_big   = $(EXTENSION)
OBJS         = \
	src/learnalytics.o \
	src/engagement/summary.o \
	src/engagement/days.o \
	src/engagement/build.o \
	src/engagement/merge.o \
	src/engagement/accessors.o \
	src/window/persistence.o \
	src/roi/roi_io.o \
	src/roi/roi_agg.o \
	src/roi/roi_accessors.o \
	src/roi/compare.o \
	src/roi/stats.o \
	src/model/logit.o \
	src/quality/robust.o \
	src/xapi/walk.o \
	src/xapi/validate.o \
	src/xapi/agents.o \
	src/xapi/formats.o \
	src/xapi/identity.o \
	src/xapi/funcs.o \
	src/xapi/derive.o \
	src/xapi/load.o \
	src/xapi/flush.o \
	src/xapi/claim.o \
	src/xapi/ingest.o
PGFILEDESC   = "learnalytics - learning analytics inside PostgreSQL"

# The fresh-install script of the current version is built from the master parts, in this order:
# shared helpers first, privileges last; a part refers only to what earlier parts created. jobs.sql
# comes before the features: each feature registers its job kinds in job_kind.
SQL_PARTS    = \
	src/sql/helpers.sql \
	src/sql/core.sql \
	src/sql/roles.sql \
	src/sql/jobs.sql \
	src/sql/xapi.sql \
	src/sql/engagement.sql \
	src/sql/org_units.sql \
	src/sql/learning_data.sql \
	src/sql/quality.sql \
	src/sql/alert_rules.sql \
	src/sql/alert_delivery.sql \
	src/sql/alert_evaluation.sql \
	src/sql/alert_cases.sql \
	src/sql/alert_templates.sql \
	src/sql/alert_replay.sql \
	src/sql/alert_simulation.sql \
	src/sql/model.sql \
	src/sql/risk_features.sql \
	src/sql/risk_model.sql \
	src/sql/risk_evaluation.sql \
	src/sql/risk_alerts.sql \
	src/sql/roi.sql \
	src/sql/performance.sql \
	src/sql/experiments.sql \
	src/sql/oulad.sql \
	src/sql/rollups.sql \
	src/sql/quality_checks.sql \
	src/sql/quality_outliers.sql \
	src/sql/quality_reconcile.sql \
	src/sql/retention.sql \
	src/sql/reports.sql \
	src/sql/dashboards.sql \
	src/sql/reports_timeline.sql \
	src/sql/reports_cohorts.sql \
	src/sql/reports_trends.sql \
	src/sql/reports_roi.sql \
	src/sql/reports_html.sql \
	src/sql/erasure.sql \
	src/sql/privileges.sql
# The upgrade script from the last release to the version under development is generated too: the
# shared helpers (when they are new), src/sql/upgrade.sql (changes to released objects), then the
# other parts that are new since that release. The release checklist (doc/DEVELOPER.md) freezes both
# generated scripts into src/sql/.
LAST_RELEASE = 0.1.0
# Parts that are new since LAST_RELEASE (0.1.0 shipped core.sql only).
NEW_PARTS    = $(filter-out src/sql/core.sql,$(SQL_PARTS))
UPGRADE_PARTS = $(filter src/sql/helpers.sql,$(NEW_PARTS)) src/sql/upgrade.sql \
		$(filter-out src/sql/helpers.sql,$(NEW_PARTS))
DATA_built   = $(EXTENSION)--$(EXTVERSION).sql $(EXTENSION)--$(LAST_RELEASE)--$(EXTVERSION).sql
# Frozen full scripts of earlier releases and every upgrade script.
DATA         = $(filter-out src/sql/$(EXTENSION)--$(EXTVERSION).sql,$(wildcard src/sql/$(EXTENSION)--*.sql))
DOCS        := $(wildcard doc/*.md)

PG_CPPFLAGS  = -I$(srcdir)/src
# `override` keeps these when PG_CFLAGS is also given on the command line (CI adds -Werror that way).
override PG_CFLAGS += -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers
# R's standalone math library (Debian r-mathlib): the t distribution for group comparisons.
SHLIB_LINK  += -lRmath -lm

# pg_regress: every sql/NN_*.sql; the pg_cron cases (sql/cron_*.sql) need a preloaded pg_cron and run
# from `make installcheck-cron` (and `make test`), so plain `make installcheck` needs nothing preloaded.
REGRESS_ALL  = $(patsubst sql/%.sql,%,$(sort $(wildcard sql/*.sql)))
REGRESS_CRON = $(filter cron_%,$(REGRESS_ALL))
REGRESS      = $(filter-out cron_%,$(REGRESS_ALL))
REGRESS_OPTS = --inputdir=$(srcdir)

PG_CONFIG   ?= pg_config
PGXS        := $(shell $(PG_CONFIG) --pgxs 2>/dev/null)

ifneq ($(and $(PGXS),$(wildcard $(PGXS))),)
include $(PGXS)
CONTRIB_TESTDB = learnalytics_regress

$(EXTENSION)--$(EXTVERSION).sql: $(SQL_PARTS) $(EXTENSION).control
	{ printf -- '-- learnalytics %s: fresh-install script, generated from %s. Do not edit.\n' \
	    '$(EXTVERSION)' '$(strip $(SQL_PARTS))'; \
	  printf '%s\n' '-- complain if the script is sourced in psql rather than run by CREATE EXTENSION' \
	    '\echo Use "CREATE EXTENSION learnalytics" to load this file. \quit'; \
	  cat $(SQL_PARTS); } > $@

$(EXTENSION)--$(LAST_RELEASE)--$(EXTVERSION).sql: $(UPGRADE_PARTS) $(EXTENSION).control
	{ printf -- '-- learnalytics %s -> %s: upgrade script, generated from %s. Do not edit.\n' \
	    '$(LAST_RELEASE)' '$(EXTVERSION)' '$(strip $(UPGRADE_PARTS))'; \
	  printf '%s\n' '-- complain if the script is sourced in psql rather than run by ALTER EXTENSION' \
	    '\echo Use "ALTER EXTENSION learnalytics UPDATE" to load this file. \quit'; \
	  cat $(UPGRADE_PARTS); } > $@

# PGXS tracks no header dependencies: rebuild every object when any header changes.
$(OBJS): $(wildcard src/*.h src/*/*.h)

installcheck-cron: submake
	$(pg_regress_installcheck) $(REGRESS_OPTS) --use-existing --dbname=$(CONTRIB_TESTDB) $(REGRESS_CRON)
else
all install installcheck installcheck-cron:
	@echo "learnalytics: PostgreSQL server development files not found (pg_config: $(PG_CONFIG))." >&2
	@echo "  Install them with: apt-get install postgresql-server-dev-15" >&2
	@echo "  or run 'make test' / 'make demo' as root, which install what they need." >&2
	@exit 1
endif

# The README's two commands: they install what they need, build, and run on a private cluster.
test:
	@bash test/run.sh

check-asan:
	@LA_SANITIZE=1 bash test/run.sh

demo:
	@bash demo/run.sh

# Benchmarks (not tests): each script sets up its own cluster and prints its ratios.
bench:
	@for b in test/bench/*.sh; do case $$b in */lib.sh) continue ;; esac; bash $$b || exit 1; done

# PGXN archive: every committed file of HEAD under learnalytics-<version>/, less the paths that
# .gitattributes marks export-ignore. Uncommitted changes are not in it (hence the warning). The
# archive holds the SQL parts, not the generated scripts: PGXS builds those on the user's machine.
dist:
	@git diff --quiet HEAD -- || echo "learnalytics: warning: uncommitted changes are not in the archive" >&2
	git archive --format=zip --prefix=$(EXTENSION)-$(EXTVERSION)/ -o $(EXTENSION)-$(EXTVERSION).zip HEAD

.PHONY: dist

# C layout: PostgreSQL's pgindent style, made by pg_bsd_indent (Debian package pg-bsd-indent)
# through our driver tools/pgindent.sh. Not part of `make test`.
format:
	@bash test/lib/deps.sh pg-bsd-indent
	@PG_CONFIG=$(PG_CONFIG) sh tools/pgindent.sh

format-check:
	@bash test/lib/deps.sh pg-bsd-indent
	@PG_CONFIG=$(PG_CONFIG) sh tools/pgindent.sh --check

.PHONY: test check-asan demo bench installcheck-cron format format-check
