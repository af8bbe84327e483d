def handler(event, context):
    raise Exception("Some exception was raised.")
