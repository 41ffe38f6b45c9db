/*
 * roi.h
 *		The roi_summary type: a storable, combinable Phillips-style ROI
 *		accumulation (benefit items adjusted by isolation and confidence,
 *		fully loaded costs by category, intangible benefits listed).
 *
 * Money is kept as int64 counts of 1/10000 of the currency unit
 * (ROI_MONEY_SCALE), so every sum is exact and combining partial summaries
 * in any order gives identical results.  Per-item adjustments are computed
 * in numeric and rounded once per item (half away from zero) to that scale.
 */
#ifndef LA_ROI_H
#define LA_ROI_H

#include "la_common.h"

#include "utils/numeric.h"

/* Version of the stored, text and binary formats; checked on every input. */
#define ROI_FORMAT_VERSION		1

/* Money unit: 1/10^ROI_MONEY_DIGITS of the currency unit. */
#define ROI_MONEY_DIGITS		4
#define ROI_MONEY_SCALE			INT64CONST(10000)

/* Intangible benefit names: bounded so that a summary stays small. */
#define ROI_MAX_NAME_LEN		200
#define ROI_MAX_INTANGIBLES		1000

/* Fully loaded cost categories, in their fixed storage and output order. */
#define ROI_NCATEGORIES			9
extern const char *const RoiCategoryNames[ROI_NCATEGORIES];

/*
 * On-disk and in-memory layout (a varlena, aligned as double).  The fixed
 * part is followed by the distinct intangible names, sorted by strcmp() and
 * each terminated by a NUL byte, so that equal content is equal bytes.
 */
typedef struct RoiSummary
{
	int32		vl_len_;		/* varlena header (do not touch directly) */
	uint8		version;		/* ROI_FORMAT_VERSION */
	uint8		flags;			/* reserved, always 0 in version 1 */
	char		currency[4];	/* ISO 4217 code + NUL; "" until a money item */
	uint16		unused;			/* reserved, always 0 */
	int32		nnames;			/* distinct intangible names in names[] */
	int64		nbenefits;		/* benefit items, including missing ones */
	int64		nmissing;		/* benefit items without a value (no gain) */
	int64		nextreme;		/* benefit items excluded as extreme */
	int64		ncosts;			/* cost items */
	int64		nintangibles;	/* intangible items (with repeats) */
	int64		benefits;		/* sum of unadjusted benefit values */
	int64		adjusted;		/* sum of value x isolation x confidence */
	int64		extreme;		/* unadjusted value of the excluded items */
	int64		costs[ROI_NCATEGORIES]; /* cost by category */
	char		names[FLEXIBLE_ARRAY_MEMBER];
} RoiSummary;

#define ROI_HEADER_SIZE			offsetof(RoiSummary, names)

#define DatumGetRoiSummaryP(X)	((RoiSummary *) PG_DETOAST_DATUM(X))
#define PG_GETARG_ROI_P(n)		DatumGetRoiSummaryP(PG_GETARG_DATUM(n))
#define PG_RETURN_ROI_P(x)		PG_RETURN_POINTER(x)

/* roi_io.c */
extern RoiSummary *RoiNew(MemoryContext cxt, Size namebytes);
extern const char *RoiCheck(const RoiSummary *s, Size size);
extern int64 RoiTotalCosts(const RoiSummary *s);
extern int64 RoiMoneyItems(const RoiSummary *s);
extern Numeric RoiMoneyToNumeric(int64 v);

/* roi_agg.c */
extern int64 RoiAddMoney(int64 a, int64 b, const char *field);
extern int64 RoiAddCount(int64 a, int64 b, const char *field);

#endif							/* LA_ROI_H */
