/* Placeholder until the machine lands (first-light issue). */
#include <stdio.h>

#include "core/run.h"

int
khyve_run(const struct run_params *p)
{
	fprintf(stderr, "%s: running guests is not implemented yet\n", p->name);
	return (4);
}
