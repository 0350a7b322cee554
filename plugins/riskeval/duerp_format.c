/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* What a DUERP file is, told by its bytes and never by its name alone
 * (issue 14 item 4): a PDF starts with "%PDF-"; ODT, DOCX and XLSX are ZIP
 * containers ("PK\3\4"), told apart by their entries:
 *   - ODT (ODF 1.2 §3.3): the first entry is "mimetype", stored uncompressed,
 *     whose content is "application/vnd.oasis.opendocument.text";
 *   - DOCX / XLSX (ECMA-376 part 2): a "[Content_Types].xml" entry, and
 *     entries under "word/" (DOCX) or "xl/" (XLSX).
 * Entry names are read from the ZIP's central directory (found through its
 * end record), which lists every entry even when local headers use data
 * descriptors. A file whose bytes are not what the declared format says is
 * refused with a French sentence naming what was expected. */
#include "riskeval.h"

static const char *const format_labels[] = {"PDF", "ODT (OpenDocument texte)",
                                            "DOCX (Word)", "XLSX (Excel)"};

int riskeval_duerp_format_index(const char *format)
{
	for (int i = 0; riskeval_duerp_formats[i]; i++)
		if (strcmp(riskeval_duerp_formats[i], format) == 0)
			return i;
	return -1;
}

const char *const riskeval_duerp_formats[] = {"pdf", "odt", "docx", "xlsx", NULL};
const char *const riskeval_duerp_mime[] = {
	"application/pdf", "application/vnd.oasis.opendocument.text",
	"application/vnd.openxmlformats-officedocument.wordprocessingml.document",
	"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"};

static uint32_t le16(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8;
}

static uint32_t le32(const unsigned char *p)
{
	return le16(p) | le16(p + 2) << 16;
}

struct zip_names {
	bool content_types, word, xl;
	size_t entries;
};

/* Walk the central directory. Returns 0, or -1 when the archive's structure
 * is not readable (then it is no OOXML file for us). */
static int zip_scan(const unsigned char *d, size_t len, struct zip_names *out)
{
	memset(out, 0, sizeof(*out));
	if (len < 22)
		return -1;
	/* The end record is in the last 22 + 65535 bytes (its comment). */
	size_t lo = len > 22 + 65535 ? len - 22 - 65535 : 0;
	size_t eocd = (size_t)-1;

	for (size_t i = len - 22 + 1; i-- > lo;)
		if (memcmp(d + i, "PK\5\6", 4) == 0) {
			eocd = i;
			break;
		}
	if (eocd == (size_t)-1)
		return -1;
	uint32_t count = le16(d + eocd + 10), size = le32(d + eocd + 12), off = le32(d + eocd + 16);

	if ((size_t)off + size > eocd)
		return -1;
	size_t p = off;

	for (uint32_t n = 0; n < count; n++) {
		if (p + 46 > eocd || memcmp(d + p, "PK\1\2", 4) != 0)
			return -1;
		size_t name_len = le16(d + p + 28), extra = le16(d + p + 30), comment = le16(d + p + 32);

		if (p + 46 + name_len > eocd)
			return -1;
		const char *name = (const char *)d + p + 46;

		if (name_len == 19 && memcmp(name, "[Content_Types].xml", 19) == 0)
			out->content_types = true;
		else if (name_len > 5 && memcmp(name, "word/", 5) == 0)
			out->word = true;
		else if (name_len > 3 && memcmp(name, "xl/", 3) == 0)
			out->xl = true;
		out->entries++;
		p += 46 + name_len + extra + comment;
	}
	return 0;
}

int riskeval_duerp_check_bytes(const char *format, const unsigned char *d, size_t len, char *msg,
                               size_t size)
{
	int f = riskeval_duerp_format_index(format);

	if (f < 0)
		return snprintf(msg, size, "Format inconnu : pdf, odt, docx ou xlsx."), -1;
	if (len == 0)
		return snprintf(msg, size, "Le fichier est vide."), -1;
	if (f == 0) {
		if (len < 5 || memcmp(d, "%PDF-", 5) != 0)
			return snprintf(msg, size, "Ce fichier n'est pas un PDF : un PDF commence par "
			                "« %%PDF- », celui-ci non. Déposez le document enregistré au "
			                "format PDF, ou déclarez son vrai format."), -1;
		return 0;
	}
	if (len < 4 || memcmp(d, "PK\3\4", 4) != 0)
		return snprintf(msg, size, "Ce fichier n'est pas un document %s : un tel document est "
		                "une archive ZIP (elle commence par « PK »), celui-ci non.",
		                format_labels[f]), -1;
	if (f == 1) {
		static const char odt[] = "application/vnd.oasis.opendocument.text";
		const size_t n = sizeof(odt) - 1;

		/* Local header: name length at 26, extra length at 28, name at 30. */
		if (len >= 30 + 8 + n && le16(d + 26) == 8 && memcmp(d + 30, "mimetype", 8) == 0 &&
		    le16(d + 8) == 0) {
			size_t data = 30 + 8 + le16(d + 28);

			if (data + n <= len && le32(d + 22) == n && memcmp(d + data, odt, n) == 0)
				return 0;
		}
		return snprintf(msg, size, "Ce fichier n'est pas un document ODT : sa première entrée "
		                "« mimetype » ne dit pas « %s » (une archive ZIP, peut-être un "
		                "tableur ou un autre format OpenDocument).", odt), -1;
	}
	struct zip_names z;

	if (zip_scan(d, len, &z) != 0)
		return snprintf(msg, size, "Ce fichier n'est pas un document %s lisible : son archive "
		                "ZIP est incomplète ou endommagée.", format_labels[f]), -1;
	if (f == 2 && !(z.content_types && z.word))
		return snprintf(msg, size, "Ce fichier n'est pas un document DOCX : il y manque "
		                "« [Content_Types].xml » ou le dossier « word/ »%s.",
		                z.xl ? " (c'est un classeur XLSX)" : ""), -1;
	if (f == 3 && !(z.content_types && z.xl))
		return snprintf(msg, size, "Ce fichier n'est pas un classeur XLSX : il y manque "
		                "« [Content_Types].xml » ou le dossier « xl/ »%s.",
		                z.word ? " (c'est un document DOCX)" : ""), -1;
	return 0;
}
