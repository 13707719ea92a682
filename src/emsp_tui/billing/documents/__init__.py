"""The documents a driver receives, as pure functions from the billing model to bytes.

rf_reference (ISO 11649 creditor references), epc_qr (the SEPA transfer QR code), facturx
(the EN 16931 CII XML), pdf (invoice, credit note and statement PDFs, PDF/A-3 with the XML
embedded), exports (JSON and CSV).
"""
