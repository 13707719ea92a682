"""Billing: what the driver owes and the documents that say so.

Pure (no database, no network): the invoice model and its money rules (model.py), the CDR audit
against the tariff engine, VAT and price plans, and the documents (PDF, EPC QR, Factur-X,
JSON/CSV). The ledger that issues and numbers them lives in the store and the services.
"""
