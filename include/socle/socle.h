/* SPDX-License-Identifier: AGPL-3.0-or-later */
/** @file Umbrella header: everything a plugin may use. */
#ifndef SOCLE_SOCLE_H
#define SOCLE_SOCLE_H

#include <socle/defs.h>
#include <socle/err.h>
#include <socle/plugin.h>
#include <socle/export.h>
#include <socle/store.h>
#include <socle/bus.h>
#include <socle/http.h>
#include <socle/auth.h>
#include <socle/lua.h>
#include <socle/mail.h>
#include <socle/sms.h>
#include <socle/date.h>
#include <socle/files.h>
#include <socle/document.h>

#define SOCLE_VERSION "0.1.0"

#endif
