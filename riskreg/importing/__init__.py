"""Reading registers as people really keep them: pure code, no database and no Flask.

The pipeline, one module each:

- ``readers``: bytes to tables (XLSX, CSV, JSON), with the guard rails that refuse a file before any
  parser is trusted with it (size, zip bombs, files that are not spreadsheets at all);
- ``layout``: which sheet and which row hold the register, and the columns under that header;
- ``mapping``: which column holds which field, proposed from header synonyms and saved as JSON;
- ``values``: one cell to one value (scores on other scales, words, dates, enumerations, lists);
- ``rows``: a mapped table to risks as they will be stored, each with its problems;
- ``plan``: what happens to each row in a given register (create, update, skip).

``riskreg.services.transfer.importing`` runs it against the database.
"""

from riskreg.importing.errors import HeadingsNotFound, ImportRefused

__all__ = ["HeadingsNotFound", "ImportRefused"]
