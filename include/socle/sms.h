/* SPDX-License-Identifier: AGPL-3.0-or-later */
/** @file
 * Text messages (SMS), ABI 1.6: queued in a write transaction like a mail (a
 * durable job "sms.send"), sent by the loop thread through the deployment's
 * "sms" setting, which a service may override (docs/config.md):
 *   - "file", the development default: <outbox>/<service>/<id>.txt;
 *   - "http": a generic HTTP gateway (URL, method, an authentication header
 *     read from a file, a body template with {number}, {text}, {sender} and
 *     {id}), the kind of call most French SMS providers take. A 2xx answer
 *     is sent; a 4xx (but 408 and 429) is a permanent failure, recorded and
 *     never retried; anything else is retried with the jobs' backoff.
 * Texts are GSM 7-bit, at most SOCLE_SMS_MAX characters: a character outside
 * the GSM 03.38 alphabet is transliterated to its basic set (ê -> e, ç -> c,
 * « -> "), the extension characters (€ [ ] { } ^ ~ | \) count as two, and a
 * text never silently switches to UCS-2 (which would cut it to 70). Sent,
 * pending and failed messages are listed with the mails in GET /outbox.
 */
#ifndef SOCLE_SMS_H
#define SOCLE_SMS_H

#include <socle/defs.h>
#include <socle/err.h>

#define SOCLE_SMS_MAX 160 /* GSM 7-bit characters of one message */
#define SOCLE_SMS_NUMBER_SIZE 17 /* "+" and up to 15 digits (E.164), and the NUL */

/** Rewrite the UTF-8 @p text into @p out (@p size bytes) with only characters
 * of the GSM 7-bit alphabet (still UTF-8: "é" stays, "ê" becomes "e", "œ"
 * "oe", "’" "'", a character with no equivalent "?"; line breaks kept, other
 * control characters become spaces). Returns the length in GSM characters
 * (an extension character counts two), or SOCLE_E_TOOBIG when @p out is too
 * small, SOCLE_E_INVAL when @p text is not UTF-8. */
SOCLE_API int socle_sms_gsm7(const char *text, char *out, size_t size, socle_err *err);

/** A mobile number in E.164 ("+33612345678") from what people type ("06 12
 * 34 56 78", "+33 6 12 34 56 78", "0033612345678"). A French number must be a
 * mobile one (06, 07); another country's is taken as given. 0 or
 * SOCLE_E_INVAL with a French message. */
SOCLE_API int socle_sms_number(const char *in, char out[SOCLE_SMS_NUMBER_SIZE], socle_err *err);

/** Queue one SMS to @p number in the transaction of @p wdb, sent at
 * @p send_at_ms (0: now). The text is made GSM 7-bit (socle_sms_gsm7) and
 * refused (SOCLE_E_INVAL) beyond SOCLE_SMS_MAX; @p category ("rappel"...) is
 * for the outbox. The caller has checked that the person agreed to receive
 * text messages. Returns the job id (> 0) or a negative code. */
SOCLE_API int64_t socle_sms_queue(socle_db *wdb, const char *number, const char *text,
                                  const char *category, int64_t send_at_ms, socle_err *err);

#endif
