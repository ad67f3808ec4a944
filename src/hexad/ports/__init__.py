"""Small `typing.Protocol` interfaces the runtime and agents depend on; `hexad.adapters` implement them."""
