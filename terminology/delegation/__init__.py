"""Delegation to upstream terminology servers for code systems this server does not hold
(``TERMINOLOGY_UPSTREAMS``): which upstream answers for a system (``routes``), the circuit
breaker guarding each (``breaker``), and the bounded way questions reach them (``gateway``).
Plain Python over ``terminology.client``; the HTTP edge (``api/delegated.py``) decides when a
request is delegated."""
