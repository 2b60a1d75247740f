/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer harness: the SLA parser (libyaml events -> ytree -> schema).
 * The input is the file's bytes, passed as they are (no NUL added): the
 * parser takes a length, so ASan sees any read past it.
 *
 * Properties checked besides memory safety and leaks: a load succeeds exactly
 * when it returns an SLA and no diagnostic, fails with at least one
 * diagnostic, and what it accepts satisfies the invariants the daemon indexes
 * and divides by (link index in range, weight >= 1, min <= max, lookups find
 * every listed VM).
 */
#include <errno.h>
#include <string.h>

#include "fuzz.h"
#include "sla.h"

static void check_sla(const struct daqs_sla *sla)
{
	struct daqs_sla_vm dflt;

	FUZZ_CHECK(sla->n_links >= 1 && sla->n_links <= DAQS_SLA_MAX_LINKS);
	FUZZ_CHECK(sla->n_vms <= DAQS_SLA_MAX_VMS);
	for (size_t i = 0; i < sla->n_links; i++) {
		const struct daqs_sla_link *l = &sla->links[i];

		FUZZ_CHECK(l->name && strlen(l->name) <= DAQS_SLA_NAME_MAX);
		FUZZ_CHECK(l->capacity_auto ? l->device != NULL : l->capacity_bps > 0);
	}
	for (size_t i = 0; i < sla->n_vms; i++) {
		const struct daqs_sla_vm *vm = &sla->vms[i];

		FUZZ_CHECK(vm->name || vm->uuid);
		FUZZ_CHECK(!vm->name || strlen(vm->name) <= DAQS_SLA_NAME_MAX);
		FUZZ_CHECK(vm->link < sla->n_links);
		FUZZ_CHECK(vm->weight >= 1 && vm->weight <= DAQS_WEIGHT_MAX);
		if (vm->cls == DAQS_CLASS_GUARANTEE)
			FUZZ_CHECK(vm->min_bps > 0 && vm->min_bps <= vm->max_bps);
		else
			FUZZ_CHECK(vm->min_bps == 0);
		FUZZ_CHECK(daqs_sla_find_vm(sla, vm->name, vm->uuid) == vm);
	}
	FUZZ_CHECK(sla->defaults.weight >= 1 && sla->defaults.weight <= DAQS_WEIGHT_MAX);
	daqs_sla_vm_default(sla, "fuzz", &dflt);
	FUZZ_CHECK(dflt.link == 0 && dflt.weight == sla->defaults.weight);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct daqs_sla *sla = NULL;
	struct daqs_diags d;
	char line[1024];
	int r;

	daqs_diags_init(&d);
	r = daqs_sla_load_buffer("fuzz.yaml", (const char *)data, size, &sla, &d);
	if (r == 0) {
		FUZZ_CHECK(sla != NULL);
		FUZZ_CHECK(daqs_diags_count(&d) == 0);
		check_sla(sla);
	} else {
		FUZZ_CHECK(r < 0 && sla == NULL);
		FUZZ_CHECK(daqs_diags_count(&d) > 0);
	}
	for (size_t i = 0; i < d.n; i++) {
		FUZZ_CHECK(d.v[i].file && d.v[i].msg);
		FUZZ_CHECK(daqs_diag_format(&d.v[i], line, sizeof(line)) > 0);
	}
	daqs_sla_free(sla);
	daqs_diags_free(&d);
	return 0;
}
