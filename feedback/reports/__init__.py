"""Report building blocks, pure: SVG charts for the dashboard and the executive PDF, and the
scrubbing of patient comments quoted in them. No web, no database."""
