#!/bin/sh
# Lint: the SQL of plugins/<name>/ names only <name>_* tables (and its own
# temporary tables and CTE names). Another plugin's tables and the core's
# core_* tables are reached through interfaces (socle/export.h) and the core's
# API, never by SQL. Prints each violation as file:line: table, and fails.
#
# tests/lint/sql_ownership.allow lists the few released migrations whose text
# may not change (a later migration of the same plugin undoes what they did),
# one "file:KEYWORD:table" a line with the reason; an entry that no longer matches
# anything is itself an error, so the list only shrinks.
# Usage: sql_ownership.sh SOURCE_DIR
set -eu
SRC=${1:?usage: sql_ownership.sh SOURCE_DIR}
ALLOW="$SRC/tests/lint/sql_ownership.allow"
allowed() { # file table
	grep -q "^$1:$2 " "$ALLOW" 2>/dev/null
}
owners="core"
for d in "$SRC"/plugins/*; do
	[ -d "$d" ] && owners="$owners $(basename "$d")"
done
status=0
used=""
for d in "$SRC"/plugins/*; do
	[ -d "$d" ] || continue
	name=$(basename "$d")
	# Source and rule-pack files; the plugin's tests may set up other owners' data.
	files=$(find "$d" -path "$d/tests" -prune -o -path "$d/include" -prune -o -type f \( -name '*.c' -o -name '*.h' -o -name '*.lua' \) -print)
	[ -n "$files" ] || continue
	for other in $owners; do
		[ "$other" = "$name" ] && continue
		# A table follows FROM, JOIN, INTO, UPDATE, TABLE or REFERENCES.
		# shellcheck disable=SC2086
		hits=$(grep -HnoE "(FROM|JOIN|INTO|UPDATE|TABLE|REFERENCES)[[:space:]]+\"?${other}_[a-z0-9_]+" $files |
			tr -d ' "' || true)
		for hit in $hits; do
			file=${hit%%:*}
			rel=${file#"$SRC"/}
			rest=${hit#*:}
			line=${rest%%:*}
			table=$(printf '%s' "$rest" | grep -oE "${other}_[a-z0-9_]+")
			keyword=$(printf '%s' "$rest" | grep -oE "^[0-9]+:[A-Z]+" | cut -d: -f2)
			if allowed "$rel" "$keyword:$table"; then
				used="$used $rel:$keyword:$table"
				continue
			fi
			echo "$rel:$line: plugin $name names $table, a table of $other"
			status=1
		done
	done
done
# Stale exceptions: each must still match a line.
if [ -f "$ALLOW" ]; then
	while read -r entry _reason; do
		case "$entry" in ''|'#'*) continue ;; esac
		case " $used " in
			*" $entry "*) ;;
			*) echo "sql_ownership.allow: $entry matches nothing any more: remove it"; status=1 ;;
		esac
	done < "$ALLOW"
fi
[ "$status" -eq 0 ] && echo "sql ownership: every plugin names only its own tables"
exit "$status"
