package fakewoo_test

import (
	"fmt"
	"net/http"

	"github.com/erpbridge/erpbridge/adapters/store/woocommerce/fakewoo"
)

// Example starts a fake shop, lets a customer order and reads the order back
// through the REST API.
func Example() {
	shop := fakewoo.Start(fakewoo.Options{ConsumerKey: "ck_demo", ConsumerSecret: "cs_demo"})
	defer shop.Close()

	o, err := shop.PlaceOrder(fakewoo.Order{
		Status: "processing", Total: "24.60", TotalTax: "4.60", PricesIncludeTax: true,
		LineItems: []fakewoo.LineItem{{Name: "Mug", SKU: "MUG-1", Quantity: 2, Total: "20.00", TotalTax: "4.60"}},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	req, _ := http.NewRequest("GET", fmt.Sprintf("%s%s/orders/%d", shop.URL, fakewoo.BasePath, o.ID), nil)
	req.SetBasicAuth(shop.Credentials())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		fmt.Println(err)
		return
	}
	resp.Body.Close()
	fmt.Println(resp.StatusCode, o.LineItems[0].Price, shop.Calls())
	// Output: 200 10 1
}
