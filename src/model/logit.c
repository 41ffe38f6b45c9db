/*
 * src/model/logit.c: regularised logistic regression by Newton/IRLS (issue 14, in progress)
 */
#include "postgres.h"
