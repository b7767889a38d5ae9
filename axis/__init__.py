"""The reference axis: an ASGI document exchange service with durable storage.

It is a product on its own and imports nothing from the rest of lienthong.
"""
