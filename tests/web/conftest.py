from tests.api.conftest import ada, app, book, client, maria, ria, sam, template_book

__all__ = ["ada", "app", "book", "client", "maria", "ria", "sam", "template_book"]
