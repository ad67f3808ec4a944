"""Amazon Bedrock: the LLM provider on the Converse API (boto3 stays inside adapters/)."""
