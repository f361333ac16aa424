"""The API document's request bodies and example responses, copied as they are written in
../shared/seeds/001_81ccd634f22cbfa0.txt (line numbers are that file's). Its examples elide with
`[...]`, `{...}` and `...`: Python reads `[...]` as a list holding Ellipsis and `{...}` as a set
holding it, which `assert_has_fields` takes as "a list" and "an object" whose contents the
document does not show. A trailing `...` inside an object cannot be written in a dict literal:
it is left out, with a comment where it stood. JavaScript comments (`// track order source`)
are not part of what `JSON.stringify` sends."""

# --- 1. Authentication ----------------------------------------------------------------------

PATH_REGISTER = "/api/auth/register/"
PATH_LOGIN = "/api/auth/login/"
PATH_REFRESH = "/api/auth/token/refresh/"
PATH_ME = "/api/auth/user/me/"
PATH_PROFILE = "/api/auth/profile/"

# Register User, lines 57-65
REGISTER_REQUEST = {
    "email": "user@example.com",
    "password": "securepassword123",
    "password_confirm": "securepassword123",
    "first_name": "John",
    "last_name": "Doe",
    "phone": "+233501234567",
}

# Register User, lines 67-78 (201 Created)
REGISTER_RESPONSE = {
    "message": "User registered successfully.",
    "user": {
        "id": 1,
        "email": "user@example.com",
        "first_name": "John",
        "last_name": "Doe",
        "is_verified": False,
        "onboarding_completed": False,
    },
}

# Login, lines 86-90
LOGIN_REQUEST = {
    "email": "user@example.com",
    "password": "securepassword123",
}

# Login, lines 92-101
LOGIN_RESPONSE = {
    "access": "eyJ0eXAiOiJKV1Q...",
    "refresh": "eyJ0eXAiOiJKV1Q...",
    "user": {
        "id": 1,
        "email": "user@example.com",
        "first_name": "John",
    },
}

# Get Current User, lines 109-121
ME_RESPONSE = {
    "id": 1,
    "email": "user@example.com",
    "first_name": "John",
    "last_name": "Doe",
    "phone": "+233501234567",
    "is_verified": False,
    "onboarding_completed": False,
    "ai_description_enabled": True,
    "ai_hashtags_enabled": True,
    "ai_replies_enabled": True,
}

# Update Profile, lines 130-141 (no response shown)
PROFILE_REQUEST = {
    "first_name": "John",
    "last_name": "Doe",
    "bio": "Seller of premium electronics",
    "company_name": "TechGear Hub",
    "business_type": "business",
    "country": "Ghana",
    "city": "Accra",
    "currency": "GHS",
    "dark_mode": False,
}

# --- 2. Products ----------------------------------------------------------------------------

PATH_PRODUCTS = "/api/products/"
PATH_PUBLIC_LIST = "/api/products/public/list/"


def path_upload_images(product_id: int) -> str:
    return f"/api/products/{product_id}/upload_images/"  # line 207


def path_generate_ai_content(product_id: int) -> str:
    return f"/api/products/{product_id}/generate_ai_content/"  # line 217


def path_create_social_post(product_id: int) -> str:
    return f"/api/products/{product_id}/create_social_post/"  # line 236


def path_public_detail(product_id: int) -> str:
    return f"/api/products/public/{product_id}/"  # line 271


def path_vendor(vendor_id: int) -> str:
    return f"/api/products/public/vendor/{vendor_id}/"  # line 277


# List Seller's Products, lines 158-172
SELLER_PRODUCTS_RESPONSE = [
    {
        "id": 1,
        "name": "Wireless Headphones",
        "description": "Premium noise-cancelling headphones",
        "price": "89.99",
        "stock_quantity": 50,
        "status": "active",
        "view_count": 120,
        "share_count": 15,
        "images": [...],
        "created_at": "2024-01-15T10:30:00Z",
    }
]

# Create Product, lines 182-193 (JSON or multipart/form-data, lines 179-180)
CREATE_PRODUCT_REQUEST = {
    "name": "Wireless Headphones",
    "description": "Premium noise-cancelling headphones",
    "price": "89.99",
    "compare_at_price": "129.99",
    "stock_quantity": 50,
    "sku": "WH-001",
    "category": 1,
    "tags": "audio,wireless,premium",
    "status": "active",
}

# Create Product, lines 195-202 (201 Created)
CREATE_PRODUCT_RESPONSE = {
    "id": 1,
    "name": "Wireless Headphones",
    "price": "89.99",
    "status": "active",
    # ...
}

# Generate AI Content, lines 221-225: "content_type": "description" (or "hashtags",
# "social_post"), "platform": "instagram" (required for social_post).
GENERATE_DESCRIPTION_REQUEST = {
    "content_type": "description",
    "platform": "instagram",
}
GENERATE_HASHTAGS_REQUEST = {
    "content_type": "hashtags",
    "platform": "instagram",
}
GENERATE_SOCIAL_POST_REQUEST = {
    "content_type": "social_post",
    "platform": "instagram",
}

# Generate AI Content, lines 227-231
GENERATE_DESCRIPTION_RESPONSE = {
    "message": "Description generated successfully.",
    "description": "Experience unparalleled audio quality with our premium wireless headphones...",
}

# Create Social Post, lines 241-246
CREATE_SOCIAL_POST_REQUEST = {
    "platform": "facebook",
    "content": "Check out our new product!",
    "hashtags": "#Wireless #Tech",
    "is_scheduled": False,
}

# Public Product Listing, lines 257-266
PUBLIC_LIST_RESPONSE = [
    {
        "id": 1,
        "name": "Wireless Headphones",
        "price": "89.99",
        "images": [...],
        "seller": {...},
    }
]

# --- 3. Orders & Cart -----------------------------------------------------------------------

PATH_CART = "/api/orders/cart/"
PATH_CART_ADD = "/api/orders/cart/add_item/"
PATH_CART_CLEAR = "/api/orders/cart/clear/"
PATH_CHECKOUT = "/api/orders/checkout/"
PATH_ORDERS = "/api/orders/orders/"
PATH_SELLER_ORDERS = "/api/orders/orders/seller_orders/"
PATH_PAYMENT_WEBHOOK = "/api/webhooks/payment/"  # line 770


def path_cart_update(item_id: int) -> str:
    return f"/api/orders/cart/update_item/{item_id}/"  # line 331


def path_cart_remove(item_id: int) -> str:
    return f"/api/orders/cart/remove_item/{item_id}/"  # line 342


def path_order(order_id: int) -> str:
    return f"/api/orders/orders/{order_id}/"  # line 397


def path_process_payment(payment_id: int) -> str:
    return f"/api/orders/payments/{payment_id}/process/"  # line 409


# Get Cart, lines 290-305
CART_RESPONSE = {
    "id": 1,
    "items": [
        {
            "id": 1,
            "product": 1,
            "product_name": "Wireless Headphones",
            "price": "89.99",
            "quantity": 2,
            "total": "179.98",
        }
    ],
    "total": "179.98",
    "item_count": 2,
}

# Add to Cart, lines 314-318
ADD_TO_CART_REQUEST = {
    "product_id": 1,
    "quantity": 2,
}

# Add to Cart, lines 320-326
ADD_TO_CART_RESPONSE = {
    "id": 1,
    "items": [...],
    "total": "179.98",
    "item_count": 2,
}

# Update Cart Item, lines 334-337
UPDATE_CART_ITEM_REQUEST = {
    "quantity": 3,
}

# Checkout, lines 358-372 (payment_method "card"; Payment Integration, lines 755-758, lists the
# other methods: mobile money is this body with "payment_method": "mobile_money")
CHECKOUT_REQUEST = {
    "full_name": "John Doe",
    "phone": "+233501234567",
    "address_line1": "123 Main Street",
    "address_line2": "Apt 4B",
    "city": "Accra",
    "state": "Greater Accra",
    "postal_code": "00233",
    "country": "Ghana",
    "delivery_instructions": "Leave at door",
    "payment_method": "card",
    "buyer_note": "Please gift wrap",
    "source": "instagram",  # track order source
}

# Checkout, lines 374-383 (201 Created)
CHECKOUT_RESPONSE = {
    "id": 1,
    "order_id": "SFABC12345",
    "status": "pending",
    "total_amount": "197.98",
    "items": [...],
    "shipping_address": {...},
    "payments": [...],
}

# Process Payment, lines 412-416
PROCESS_PAYMENT_RESPONSE = {
    "status": "completed",
    "transaction_id": "TXN20240115103000",
}

# --- 4. Chat --------------------------------------------------------------------------------

PATH_CONVERSATIONS = "/api/chat/conversations/"  # lines 425, 436
PATH_MESSAGES = "/api/chat/messages/"  # line 451

# List Conversations, lines 428-431: its query parameters and the sources it names.
CONVERSATION_FILTERS = ("status", "source", "search")
CONVERSATION_SOURCES = ("facebook", "instagram", "website")

# Create Conversation, lines 441-446
CREATE_CONVERSATION_REQUEST = {
    "customer_email": "buyer@example.com",
    "customer_name": "Jane Doe",
    "product": 1,
    "source": "instagram",
}

# Send Message, lines 456-460
SEND_MESSAGE_REQUEST = {
    "conversation": 1,
    "content": "Hi, I'm interested in this product!",
    "message_type": "text",
}

# WebSocket/Real-time Features, lines 741-746: the message format.
CHAT_MESSAGE_FRAME = {
    "type": "chat_message",
    "conversation_id": 1,
    "content": "Hello!",
    "sender_id": 1,
}

# --- 5. Notifications -----------------------------------------------------------------------

PATH_NOTIFICATIONS = "/api/notifications/"
PATH_MARK_ALL_READ = "/api/notifications/mark_all_read/"
PATH_PREFERENCES = "/api/notifications/preferences/"


def path_mark_as_read(notification_id: int) -> str:
    return f"/api/notifications/{notification_id}/mark_as_read/"  # line 485


# Update Preferences, lines 501-508
PREFERENCES_REQUEST = {
    "in_app_enabled": True,
    "order_notifications": True,
    "chat_notifications": True,
    "email_enabled": True,
    "email_daily_digest": False,
}

# --- 6. Social Media ------------------------------------------------------------------------

PATH_SOCIAL_ACCOUNTS = "/api/social/accounts/"
PATH_SOCIAL_DISCONNECT = "/api/social/accounts/disconnect/"


def path_social_insights(account_id: int) -> str:
    return f"/api/social/accounts/{account_id}/insights/"  # line 538


# Get Platform Insights, lines 541-542: "days: number of days (default: 7)"
INSIGHTS_DEFAULT_DAYS = 7

# Connect Platform, lines 527-533
CONNECT_PLATFORM_REQUEST = {
    "platform": "facebook",
    "platform_user_id": "123456789",
    "platform_username": "mybusiness",
    "access_token": "...",
}

# Disconnect Platform, lines 551-553
DISCONNECT_PLATFORM_REQUEST = {
    "platform": "facebook",
}

# --- The SellFlow README (seed 000), Social, lines 152-160: paths only, no bodies ---------------

PATH_SOCIAL_POSTS = "/api/social/posts/"
PATH_SOCIAL_SCHEDULES = "/api/social/schedules/"

# --- 8. AI Services -------------------------------------------------------------------------

PATH_AI_DESCRIPTION = "/api/ai/generate/description/"
PATH_AI_HASHTAGS = "/api/ai/generate/hashtags/"

# Generate Product Description, lines 603-608
AI_DESCRIPTION_REQUEST = {
    "product_id": 1,
    "style": "professional",  # professional, casual, persuasive
    "length": "medium",  # short, medium, long
}

# Generate Hashtags, lines 615-622
AI_HASHTAGS_REQUEST = {
    "product_id": 1,
    "platform": "instagram",
    "count": 10,
}
