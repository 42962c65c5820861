"""Whole-resource checks: a ServiceRequest (an order) or a Claim, alone or in a Bundle, checked
element by element against our profiles' bindings and the coding rules coders apply."""
