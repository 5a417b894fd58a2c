"""What the channels say after a send: SES bounces, complaints and deliveries, and the
SMS delivery reports of AWS End User Messaging, applied to the gate's table."""
