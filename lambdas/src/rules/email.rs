//! The order-confirmation e-mail: subject and plain-text body, built from the order and its
//! totals. Pure text, so the snapshot of sent e-mails is stable.

use super::order::OrderItem;
use super::pricing::{Pricing, money_string};

/// A message ready for SES.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Confirmation {
    pub subject: String,
    pub body: String,
}

/// The confirmation for a completed order.
pub fn confirmation(
    order_id: &str,
    customer_name: &str,
    items: &[OrderItem],
    pricing: &Pricing,
) -> Confirmation {
    let mut body =
        format!("Hello {customer_name},\n\nyour order {order_id} is confirmed.\n\nItems:\n");
    for item in items {
        body.push_str(&format!("  - {} x {}\n", item.item_id, item.quantity));
    }
    body.push_str(&format!(
        "\nSubtotal: {}\nShipping: {}\nTotal: {}\n\nThank you for your order.\n",
        money_string(pricing.subtotal),
        money_string(pricing.shipping),
        money_string(pricing.total)
    ));
    Confirmation {
        subject: format!("Your order {order_id} is confirmed"),
        body,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::Decimal;

    #[test]
    fn the_confirmation_lists_items_and_totals() {
        let items = vec![
            OrderItem {
                item_id: "A".into(),
                quantity: 2,
            },
            OrderItem {
                item_id: "B".into(),
                quantity: 1,
            },
        ];
        let pricing = Pricing {
            subtotal: Decimal::new(250, 0),
            shipping: Decimal::new(20, 0),
            total: Decimal::new(270, 0),
        };
        let message = confirmation("o1", "Ada", &items, &pricing);
        assert_eq!(message.subject, "Your order o1 is confirmed");
        assert_eq!(
            message.body,
            "Hello Ada,\n\nyour order o1 is confirmed.\n\nItems:\n  - A x 2\n  - B x 1\n\n\
             Subtotal: 250.00\nShipping: 20.00\nTotal: 270.00\n\nThank you for your order.\n"
        );
    }
}
