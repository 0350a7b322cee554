/* SPDX-License-Identifier: AGPL-3.0-or-later */
/** @file
 * Visibility and attribute macros shared by every public header.
 *
 * libsocle is built with -fvisibility=hidden: only what is marked SOCLE_API
 * is exported, so the ABI is exactly the set of declarations in include/socle/.
 */
#ifndef SOCLE_DEFS_H
#define SOCLE_DEFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SOCLE_API __attribute__((visibility("default")))
#define SOCLE_EXPORT __attribute__((visibility("default")))
#define SOCLE_PRINTF(fmt_idx, first_arg) __attribute__((format(printf, fmt_idx, first_arg)))
#define SOCLE_NORETURN __attribute__((noreturn))
#define SOCLE_NODISCARD __attribute__((warn_unused_result))
#define SOCLE_COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* Opaque handles owned by the core. */
typedef struct socle_core socle_core;       /* one deployment: config, services, plugins */
typedef struct socle_service socle_service; /* one SSTI/SPSTI: its database, scripts, plugins */
typedef struct socle_plugin socle_plugin;   /* a loaded plugin, handed to its callbacks */
typedef struct socle_db socle_db;           /* a database connection (read or write) */
typedef struct socle_stmt socle_stmt;       /* a cached prepared statement */
typedef struct socle_req socle_req;         /* one HTTP request being served */
typedef struct socle_principal socle_principal; /* the authenticated user of a request */

#endif
