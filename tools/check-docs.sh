#!/bin/sh
# docs/ and README.md are self-contained: they name no file outside the
# repository (design notes kept elsewhere, absolute paths) and every relative
# Markdown link resolves to a file of the repository.
# Usage: check-docs.sh <source root>
set -eu
root=$1
status=0
for f in "$root"/README.md "$root"/docs/*.md; do
	if grep -nE 'DESIGN\.md|BOCHS\.md|CONVENTIONS\.md|HELPER-RULES|\.\./shared|/work/|\]\(/' "$f"; then
		echo "check-docs: $f refers to a file outside the repository" >&2
		status=1
	fi
	dir=$(dirname "$f")
	for link in $(grep -oE '\]\([^)#[:space:]]+' "$f" | sed 's/^](//' | grep -vE '^[a-z]+:'); do
		if [ ! -e "$dir/$link" ]; then
			echo "check-docs: $f links to $link, which does not exist" >&2
			status=1
		fi
	done
done
exit $status
