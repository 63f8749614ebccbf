/* SPDX-License-Identifier: MIT */
/* Error objects: see include/xenpt/error.h. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"

struct xenpt_error {
	enum xenpt_error_code code;
	int errnum;
	bool is_static;
	char *message;
	char *hint;             /* what the user should do; NULL if nothing */
};

static char enomem_message[] = "out of memory";
static struct xenpt_error xenpt_enomem = {
	.code = XENPT_ERR_NOMEM,
	.errnum = ENOMEM,
	.is_static = true,
	.message = enomem_message,
};

static struct xenpt_error *error_vcreate(enum xenpt_error_code code, int errnum,
					 const char *fmt, va_list ap)
{
	struct xenpt_error *err = malloc(sizeof(*err));

	if (!err)
		return &xenpt_enomem;
	err->code = code;
	err->errnum = errnum;
	err->is_static = false;
	err->hint = NULL;
	err->message = xenpt_vasprintf(fmt, ap);
	if (!err->message) {
		free(err);
		return &xenpt_enomem;
	}
	return err;
}

XENPT_PUBLIC struct xenpt_error *xenpt_error_create(enum xenpt_error_code code, const char *fmt, ...)
{
	struct xenpt_error *err;
	va_list ap;

	va_start(ap, fmt);
	err = error_vcreate(code, code == XENPT_ERR_NOMEM ? ENOMEM : 0, fmt, ap);
	va_end(ap);
	return err;
}

XENPT_PUBLIC struct xenpt_error *xenpt_error_os(int errnum, const char *fmt, ...)
{
	struct xenpt_error *err;
	char *msg;
	va_list ap;

	va_start(ap, fmt);
	msg = xenpt_vasprintf(fmt, ap);
	va_end(ap);
	if (!msg)
		return &xenpt_enomem;
	if (errnum == ENOMEM) {
		free(msg);
		return &xenpt_enomem;
	}
	err = xenpt_error_create(errnum == ENOENT ? XENPT_ERR_NOT_FOUND : XENPT_ERR_OS,
				 "%s: %s", msg, strerror(errnum));
	free(msg);
	if (!err->is_static)
		err->errnum = errnum;
	return err;
}

/* Replace the message with prefix + sep + message. */
static struct xenpt_error *error_vprefix(struct xenpt_error *err, const char *sep,
					 const char *fmt, va_list ap)
{
	char *extra, *joined;

	if (!err || err->is_static)
		return err;
	extra = xenpt_vasprintf(fmt, ap);
	if (!extra)
		return err;   /* keep the original message rather than lose it */
	joined = xenpt_asprintf("%s%s%s", extra, sep, err->message);
	free(extra);
	if (joined) {
		free(err->message);
		err->message = joined;
	}
	return err;
}

XENPT_PUBLIC struct xenpt_error *xenpt_error_prefix(struct xenpt_error *err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	err = error_vprefix(err, ": ", fmt, ap);
	va_end(ap);
	return err;
}

XENPT_PUBLIC struct xenpt_error *xenpt_error_hint(struct xenpt_error *err, const char *fmt, ...)
{
	char *extra, *joined;
	va_list ap;

	if (!err || err->is_static)
		return err;
	va_start(ap, fmt);
	extra = xenpt_vasprintf(fmt, ap);
	va_end(ap);
	if (!extra)
		return err;   /* an error without its hint beats no error */
	if (!err->hint) {
		err->hint = extra;
		return err;
	}
	joined = xenpt_asprintf("%s; %s", err->hint, extra);
	free(extra);
	if (joined) {
		free(err->hint);
		err->hint = joined;
	}
	return err;
}

XENPT_PUBLIC const char *xenpt_error_hint_text(const struct xenpt_error *err)
{
	return err ? err->hint : NULL;
}

XENPT_PUBLIC enum xenpt_error_code xenpt_error_code(const struct xenpt_error *err)
{
	return err ? err->code : 0;
}

XENPT_PUBLIC const char *xenpt_error_message(const struct xenpt_error *err)
{
	return err ? err->message : "success";
}

XENPT_PUBLIC int xenpt_error_errno(const struct xenpt_error *err)
{
	return err ? err->errnum : 0;
}

XENPT_PUBLIC const char *xenpt_error_code_name(enum xenpt_error_code code)
{
	switch (code) {
	case XENPT_ERR_NOMEM: return "nomem";
	case XENPT_ERR_OS: return "os";
	case XENPT_ERR_INVALID_ARG: return "invalid_arg";
	case XENPT_ERR_NOT_FOUND: return "not_found";
	case XENPT_ERR_FAULT: return "fault";
	case XENPT_ERR_BAD_DATA: return "bad_data";
	case XENPT_ERR_UNSUPPORTED: return "unsupported";
	case XENPT_ERR_GONE: return "gone";
	case XENPT_ERR_REFUSED: return "refused";
	case XENPT_ERR_INTERRUPTED: return "interrupted";
	}
	return "unknown";
}

XENPT_PUBLIC void xenpt_error_destroy(struct xenpt_error *err)
{
	if (!err || err->is_static)
		return;
	free(err->message);
	free(err->hint);
	free(err);
}
