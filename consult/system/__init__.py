"""This computer: the user's folders, writing files privately and whole, the bundled resources.

The lowest layer: it imports nothing else of the app, and everything else may import it.
"""
