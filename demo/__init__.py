"""Development data: ``manage.py seed_demo`` builds a deterministic demo region.

Core's part (the org tree, groups, people, memberships and the demo accounts) is built here
(:mod:`demo.tree`); each feature app adds its rows with a step it registers in its ``AppConfig.ready()``
(``core.registry.demo_steps``). The toolkit the steps share: :mod:`demo.context` (the context, names,
dates, the lists under ``demo/data/``) and :mod:`demo.writers` (fast audited bulk writes).
"""
