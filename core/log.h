/* SPDX-License-Identifier: AGPL-3.0-or-later */
#ifndef SOCLE_CORE_LOG_H
#define SOCLE_CORE_LOG_H
/* Override the SOCLE_LOG_LEVEL threshold (commands use it for --quiet). */
void log_set_threshold(int level);
#endif
