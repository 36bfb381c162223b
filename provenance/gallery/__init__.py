"""The exhibition: a web gallery of the collection, read from the chain and IPFS, whose badges
re-verify every work in the visitor's browser. Served live (``serve``) or written as a static
site (``build``)."""

from __future__ import annotations

from provenance.gallery.data import GalleryData, OfferEntry, Work, collect
from provenance.gallery.output import write_site
from provenance.gallery.server import GalleryServer, make_gallery_server
from provenance.gallery.site import render_site

__all__ = [
    "GalleryData",
    "GalleryServer",
    "OfferEntry",
    "Work",
    "collect",
    "make_gallery_server",
    "render_site",
    "write_site",
]
