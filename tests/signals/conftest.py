from tests.api.conftest import app, book, client, template_book

__all__ = ["app", "book", "client", "template_book"]
