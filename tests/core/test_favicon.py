"""The favicon: a small SVG from static, linked from every page, within the CSP."""
import re
import xml.etree.ElementTree as ET


def test_every_page_links_the_svg_favicon_and_it_is_served(client):
    page = client.get("/login").text
    link = re.search(r'<link rel="icon" href="([^"]+)" type="image/svg\+xml">', page)
    assert link, "no favicon link in the base layout"
    assert link.group(1) == "/static/favicon.svg"  # same origin: img-src 'self' allows it
    response = client.get(link.group(1))
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    svg = ET.fromstring(response.data)
    assert svg.tag == "{http://www.w3.org/2000/svg}svg"
    names = {element.tag.split("}")[-1] for element in svg.iter()}
    assert not names & {"script", "style", "image", "foreignObject"}  # nothing the CSP would block
    assert b"style=" not in response.data and b"http://" not in response.data.replace(b"http://www.w3.org/2000/svg", b"")
    assert len(response.data) < 2048
