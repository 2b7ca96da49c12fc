"""PDFs riskreg prints: print-only templates in templates/pdf/ rendered by WeasyPrint (render), frozen
as PDF/A-3b with embedded files (documents), and PAdES-signed and verified with pyHanko (signing)."""
