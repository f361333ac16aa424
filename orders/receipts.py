"""The order receipt as a one-page PDF (reportlab), made to be sent to a buyer on WhatsApp."""

from io import BytesIO
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.utils import timezone
from reportlab.lib import colors
from reportlab.lib.pagesizes import A5
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from orders.models import Order, PaymentStatus

PAID_STATUSES = (PaymentStatus.COMPLETED, PaymentStatus.PARTIALLY_REFUNDED, PaymentStatus.REFUNDED)


def _money(order: Order, amount) -> str:
    return f"{order.currency} {amount:,.2f}"


def _seller_zone(order: Order):
    try:
        return ZoneInfo(order.seller.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def order_receipt_pdf(order: Order) -> bytes:
    """Times are the seller's local time: the receipt is theirs, sent to a buyer nearby."""
    zone = _seller_zone(order)
    styles = getSampleStyleSheet()
    text = lambda value, style="BodyText": Paragraph(escape(str(value)), styles[style])  # noqa: E731
    payments = list(order.payments.all())
    paid = [p for p in payments if p.status in PAID_STATUSES]
    refunded = sum((p.amount_refunded for p in payments), start=0)
    seller = order.seller

    story = [
        text(seller.display_name, "Title"),
        text(" · ".join(part for part in (seller.phone or seller.whatsapp_number, seller.city, seller.country)
                        if part)),
        Spacer(1, 4 * mm),
        text(f"Receipt for order {order.order_id}", "Heading2"),
        text(f"Placed {timezone.localtime(order.created_at, zone):%d %b %Y %H:%M} · "
             f"status: {order.get_status_display()}"),
        text(f"Deliver to: {order.full_name}, {order.phone}, {order.address_line1}"
             f"{', ' + order.address_line2 if order.address_line2 else ''}, {order.city}, {order.country}"),
        Spacer(1, 4 * mm),
    ]
    rows = [["Item", "Qty", "Unit price", "Total"]]
    for item in order.items.all():
        name = f"{item.product_name} ({item.variant_name})" if item.variant_name else item.product_name
        rows.append([Paragraph(escape(name), styles["BodyText"]), str(item.quantity), _money(order, item.unit_price),
                     _money(order, item.total)])
    rows += [["Subtotal", "", "", _money(order, order.subtotal)],
             ["Shipping", "", "", _money(order, order.shipping_fee)],
             ["Total", "", "", _money(order, order.total_amount)]]
    if refunded:
        rows.append(["Refunded", "", "", f"- {_money(order, refunded)}"])
    table = Table(rows, colWidths=[62 * mm, 12 * mm, 28 * mm, 28 * mm])
    totals_row = len(rows) - (4 if refunded else 3)  # the subtotal's row, under a line
    table.setStyle(TableStyle([
        ("FONTNAME", (0, 0), (-1, 0), "Helvetica-Bold"),
        ("FONTNAME", (0, -1 if not refunded else -2), (-1, -1 if not refunded else -2), "Helvetica-Bold"),
        ("LINEBELOW", (0, 0), (-1, 0), 0.5, colors.grey),
        ("LINEABOVE", (0, totals_row), (-1, totals_row), 0.5, colors.grey),
        ("ALIGN", (1, 0), (-1, -1), "RIGHT"),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]))
    story += [table, Spacer(1, 4 * mm)]
    if paid:
        payment = paid[-1]
        story.append(text(f"Paid {_money(order, payment.amount_paid)} by {payment.get_method_display().lower()}"
                          f" on {timezone.localtime(payment.paid_at, zone):%d %b %Y}"
                          f"{' · transaction ' + payment.transaction_id if payment.transaction_id else ''}"))
    else:
        story.append(text(f"Payment: {order.get_payment_method_display()} · not yet paid"))
    story += [Spacer(1, 6 * mm), text("Thank you for your order! Sold through SellFlow.", "Italic")]

    buffer = BytesIO()
    SimpleDocTemplate(buffer, pagesize=A5, title=f"Receipt {order.order_id}", author=seller.display_name,
                      leftMargin=10 * mm, rightMargin=10 * mm, topMargin=10 * mm, bottomMargin=10 * mm,
                      pageCompression=0).build(story)
    return buffer.getvalue()
