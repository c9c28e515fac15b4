"""Pure dosing domain: quantities, drugs, programs, safety rules, refill and trial math.

Imports nothing from the device, clinic, storage, web or CLI layers.
"""
