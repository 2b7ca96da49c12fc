"""PDFs riskreg prints: print-only templates in templates/pdf/, rendered by WeasyPrint."""
