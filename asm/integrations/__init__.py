"""asm as the session backend of agent frameworks, each an optional extra:
`asm.integrations.adk` (pip install 'asm[adk]'), `asm.integrations.openai_agents`
('asm[openai-agents]') and `asm.integrations.langgraph` ('asm[langgraph]'). `import asm`
imports none of them, nor any framework."""
