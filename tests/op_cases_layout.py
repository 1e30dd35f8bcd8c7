"""Op-table rows (see ``op_cases``) for the layout ops."""

from op_cases import case  # noqa: F401
