def handler(event, context):
    # A JSON string, returned as raw bytes rather than as a value to serialise.
    return b'"HelloWorld!"'
