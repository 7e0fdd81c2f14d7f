"""Open311 bodies in JSON or XML, from the same rows."""

import json
import re
from xml.etree import ElementTree as ET

from django.http import HttpResponse

PLURALS = {
    "endpoints": "endpoint",
    "formats": "format",
    "attributes": "attribute",
    "values": "value",
}

# Characters XML 1.0 cannot carry at all, even escaped; a stored text may hold one (a rider's
# description typed with a stray control key) and must not make the document unreadable.
NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _xml(parent: ET.Element, name: str, value) -> None:
    element = ET.SubElement(parent, name)
    if isinstance(value, dict):
        for key, item in value.items():
            _xml(element, key, item)
    elif isinstance(value, list):
        for item in value:
            _xml(element, PLURALS.get(name, "item"), item)
    elif value is not None:
        element.text = NOT_XML.sub("\ufffd", str(value))


def render(fmt: str, root: str, item: str, rows, status: int = 200) -> HttpResponse:
    if fmt == "json":
        body = json.dumps(rows, ensure_ascii=False)
        return HttpResponse(body, status=status, content_type="application/json; charset=utf-8")
    element = ET.Element(root)
    if isinstance(rows, list):
        for row in rows:
            _xml(element, item, row)
    else:
        for key, value in rows.items():
            _xml(element, key, value)
    body = b'<?xml version="1.0" encoding="utf-8"?>' + ET.tostring(element, encoding="utf-8")
    return HttpResponse(body, status=status, content_type="text/xml; charset=utf-8")
