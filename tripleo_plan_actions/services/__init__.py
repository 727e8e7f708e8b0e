"""How the pack reaches the services it drives: the settings and Keystone discovery (``connections``), Heat
(``heat_stacks``) and Mistral as the pack uses it."""
