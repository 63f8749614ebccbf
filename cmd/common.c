/* SPDX-License-Identifier: MIT */
/* Helpers shared by several commands: domain labels, the usual prologue. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

const char *dom_type(const struct xenpt_domain_info *d)
{
	if (!d->hvm)
		return "pv";
	return d->hap ? "hvm/hap" : "hvm";
}

const char *dom_state(const struct xenpt_domain_info *d, char *buf, size_t len)
{
	if (d->dying)
		snprintf(buf, len, "dying");
	else if (d->shutdown)
		snprintf(buf, len, "shutdown(%u)", d->shutdown_code);
	else if (d->paused)
		snprintf(buf, len, "paused");
	else if (d->running)
		snprintf(buf, len, "running");
	else if (d->blocked)
		snprintf(buf, len, "blocked");
	else
		snprintf(buf, len, "-");
	return buf;
}

int cli_begin(struct cli *cli, int argc, char **argv, int min_pos, int max_pos)
{
	bool help = false;
	int c, npos;

	while ((c = cli_getopt(cli, argc, argv, &help)) != -1)
		if (c == '?')
			return EXIT_USAGE;
		else
			return cli_usage_error(cli, "unexpected option");
	if (help) {
		cli_print_help(cli->cmd);
		return -1;
	}
	npos = argc - optind;
	if (npos < min_pos)
		return cli_usage_error(cli, (cli->cmd->flags & CMD_TARGET) && !npos
					    ? "no TARGET given" : "missing argument");
	if (max_pos >= 0 && npos > max_pos)
		return cli_usage_error(cli, "unexpected argument '%s'", argv[optind + max_pos]);
	return 0;
}
