/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The `socle` command: a thin main; every command lives in libsocle (cli.c) so
 * that tests and embedders run exactly the same code. */
#include "cli.h"

int main(int argc, char **argv)
{
	return socle_cli_main(argc, argv);
}
