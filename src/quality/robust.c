/*
 * src/quality/robust.c: robust statistics for the data-quality checks (median, MAD).
 */
#include "postgres.h"
