"""The OpenAI-compatible LLM path of AI Assist: prompt, repair of the answer, engine choice."""
