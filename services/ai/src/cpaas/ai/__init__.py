"""AI: the TRAI/DLT compliance check of template content and AI Assist drafts."""
