/* SPDX-License-Identifier: MIT */
/**
 * @file error.h
 * Error objects.  libxenpt never prints and never exits: every fallible
 * function returns a struct xenpt_error *, NULL on success.  The object
 * carries a code, a human message (which names the domain, address or file
 * involved) and optionally an errno.  Context is added on the way up with
 * xenpt_error_prefix().  Constructors never return NULL: on allocation
 * failure they return a static out-of-memory error.
 */
#ifndef XENPT_ERROR_H
#define XENPT_ERROR_H

#ifdef __cplusplus
extern "C" {
#endif

enum xenpt_error_code {
	XENPT_ERR_NOMEM = 1,     /**< out of memory */
	XENPT_ERR_OS,            /**< a system or Xen call failed; see errno */
	XENPT_ERR_INVALID_ARG,   /**< bad argument (address, option, target) */
	XENPT_ERR_NOT_FOUND,     /**< no such domain, vCPU, file or frame */
	XENPT_ERR_FAULT,         /**< a frame could not be read */
	XENPT_ERR_BAD_DATA,      /**< truncated or hostile input, cycles, out-of-range frames */
	XENPT_ERR_UNSUPPORTED,   /**< the source cannot do this */
	XENPT_ERR_GONE,          /**< the domain died while we looked */
	XENPT_ERR_REFUSED,       /**< a write to a non-test domain without force */
	XENPT_ERR_INTERRUPTED,   /**< the caller's interrupt flag was raised (xenpt_source_set_interrupt) */
};

struct xenpt_error;

/** Create an error with a printf-style message.  Never returns NULL. */
struct xenpt_error *xenpt_error_create(enum xenpt_error_code code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/** XENPT_ERR_OS with errno @p errnum; the message gets ": strerror" appended. */
struct xenpt_error *xenpt_error_os(int errnum, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/**
 * Prefix the message of @p err with "<fmt>: ", in place, and return it.
 * NULL in, NULL out, so `return xenpt_error_prefix(f(), "...")` is safe.
 */
struct xenpt_error *xenpt_error_prefix(struct xenpt_error *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/**
 * Attach a hint (what the user should do), in place, and return @p err.
 * The hint is kept apart from the message: read it with
 * xenpt_error_hint_text().  A second hint is appended to the first after
 * "; ".  NULL in, NULL out.
 */
struct xenpt_error *xenpt_error_hint(struct xenpt_error *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

enum xenpt_error_code xenpt_error_code(const struct xenpt_error *err);
/** The message, without the hint. */
const char *xenpt_error_message(const struct xenpt_error *err);
/** The hint given with xenpt_error_hint(), or NULL when there is none. */
const char *xenpt_error_hint_text(const struct xenpt_error *err);
/** errno for XENPT_ERR_OS (and others that carry one), else 0. */
int xenpt_error_errno(const struct xenpt_error *err);
/** Stable lower-case name of the code, e.g. "bad_data" (for JSON). */
const char *xenpt_error_code_name(enum xenpt_error_code code);
/** Free @p err; NULL and the static out-of-memory error are fine. */
void xenpt_error_destroy(struct xenpt_error *err);

#ifdef __cplusplus
}
#endif
#endif
