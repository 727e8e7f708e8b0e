"""How the pack reaches the services it drives: where each is and with which credentials
(``discovery``, for the actions, the thin client and the ``openstack`` plugin), the actions' client
factories (``connections``), Mistral (``mistral_api``), Swift (``swift_api``) and Heat
(``heat_stacks``) as the pack uses them."""
