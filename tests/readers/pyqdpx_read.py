"""Read a .qdpx with pyqdpx (a REFI-QDA reader) and print every coding it sees as JSON lines:
the selection's description (qcode writes "SEGMENT (ROLE)"), the code's name, the user's name
and the selected text. pyqdpx counts positions as NVivo does (UTF-16 units: it pads each
character outside the BMP with a zero-width space), so the padding is taken out of the text.

Usage: python pyqdpx_read.py PROJECT.qdpx
"""

import json
import sys

from pyqdpx import QDPX


def main(path):
    project = QDPX(path).get_project()
    if project is None:
        sys.exit(f"pyqdpx could not read {path}")
    sources = project.sources
    if not sources:
        sys.exit(f"pyqdpx found no sources in {path}")
    for source in sources.values():
        for selection in source.coded_selections.values():
            print(
                json.dumps(
                    {
                        "source": source.name,
                        "description": selection.description or "",
                        "code": selection.code.name,
                        "user": selection.user.name,
                        "text": selection.text.replace("\u200b", ""),
                    },
                    ensure_ascii=False,
                )
            )


if __name__ == "__main__":
    main(sys.argv[1])
