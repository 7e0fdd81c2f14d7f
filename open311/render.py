"""Open311 bodies in JSON or XML, from the same rows."""

import json
from xml.etree import ElementTree as ET

from django.http import HttpResponse

PLURALS = {
    "endpoints": "endpoint",
    "formats": "format",
    "attributes": "attribute",
    "values": "value",
}


def _xml(parent: ET.Element, name: str, value) -> None:
    element = ET.SubElement(parent, name)
    if isinstance(value, dict):
        for key, item in value.items():
            _xml(element, key, item)
    elif isinstance(value, list):
        for item in value:
            _xml(element, PLURALS.get(name, "item"), item)
    elif value is not None:
        element.text = str(value)


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
