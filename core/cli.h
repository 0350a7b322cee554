/* SPDX-License-Identifier: AGPL-3.0-or-later */
#ifndef SOCLE_CORE_CLI_H
#define SOCLE_CORE_CLI_H
/* Run the `socle` command line; returns the process exit status. Exported from
 * libsocle for the thin main only (not part of the plugin API). */
__attribute__((visibility("default"))) int socle_cli_main(int argc, char **argv);
#endif
