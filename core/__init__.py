"""The routing core of swq: model, numbering, routing policy, wait estimate, ports, codecs.

Standard library only; time always comes in as an argument.
"""
